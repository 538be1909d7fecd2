// Resumable streams behind jwtAuth: resuming and cancelling pass the
// gateway's middleware like any call (no token: 401), and a stream belongs to the principal that
// started it (another principal: 404, the same answer as an unknown stream id).
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { createGateway, PRINCIPAL, STREAM_ID_HEADER, type Gateway } from "../../src/gateway/index.js";
import { jwtAuth } from "../../src/governance/index.js";
import { readSse, type SseMessage } from "../../src/http/index.js";
import type { ClientCallContext, Middleware } from "../../src/rpc/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { closeHttp, listenHttp, startModelServer, type ModelServer } from "./fixture.js";

const secret = "a-shared-secret-of-enough-length-for-hs256";
const token = (sub: string) =>
  new SignJWT({ scope: "chat" }).setProtectedHeader({ alg: "HS256" }).setIssuer("weir-test").setSubject(sub).setExpirationTime("5m").sign(new TextEncoder().encode(secret));
const bearer = async (sub: string) => ({ authorization: `Bearer ${await token(sub)}` });

/** GET and read up to `stopAfter` events, then hang up. */
async function read(url: string, headers: Record<string, string>, stopAfter = Infinity): Promise<{ res: Response; events: SseMessage[]; body: string }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: SseMessage[] = [];
  if (res.status !== 200) return { res, events, body: await res.text() };
  for await (const m of readSse(res)) {
    events.push(m);
    if (events.length >= stopAfter) break;
  }
  controller.abort();
  return { res, events, body: "" };
}

describe("resumable streams behind the gateway's auth", { timeout: 30_000 }, () => {
  let model: ModelServer;
  let gateway: Gateway;
  let server: http.Server;
  let url: string;
  let ada: Record<string, string>, bob: Record<string, string>;
  let streamId: string;
  let lastId: string;

  before(async () => {
    model = await startModelServer({ tokensPerSecond: 200 });
    gateway = createGateway({
      services: [generationDescriptor()],
      transport: model.transport,
      middleware: [jwtAuth({ key: { secret }, issuer: "weir-test" })],
      routes: [{ path: "/api/generate", rpc: "weir.generation.v1.Generation/Generate", resumable: { graceMs: 20_000 } }],
    });
    server = http.createServer(gateway.handle);
    url = await listenHttp(server);
    [ada, bob] = [await bearer("ada"), await bearer("bob")];
    const first = await read(`${url}/api/generate?resumable=1&model=paced&prompt=The%20river&max_tokens=2000&temperature=0`, ada, 3);
    assert.equal(first.res.status, 200);
    streamId = first.res.headers.get(STREAM_ID_HEADER)!;
    lastId = first.events[2]!.id;
  });
  after(async () => {
    await gateway?.close();
    if (server) await closeHttp(server);
    await model?.close();
  });

  it("starting a resumable stream needs a token like any call", async () => {
    const res = await fetch(`${url}/api/generate?resumable=1&model=paced&prompt=Hi`);
    assert.equal(res.status, 401);
  });

  it("resuming without a token, or with a bad one, is 401: the middleware runs", async () => {
    for (const headers of [{}, { authorization: "Bearer not.a.token" }] as Record<string, string>[]) {
      const r = await read(`${url}/api/generate`, { "last-event-id": lastId, ...headers });
      assert.equal(r.res.status, 401);
      assert.equal((JSON.parse(r.body) as { error: { status: string } }).error.status, "UNAUTHENTICATED");
    }
    const del = await fetch(`${url}/api/generate?stream_id=${streamId}`, { method: "DELETE" });
    assert.equal(del.status, 401);
  });

  it("another principal gets 404, exactly as for an unknown stream, and cannot cancel it", async () => {
    const theirs = await read(`${url}/api/generate`, { "last-event-id": lastId, ...bob });
    const unknown = await read(`${url}/api/generate`, { "last-event-id": "AAAAAAAAAAAAAAAA:2", ...bob });
    assert.equal(theirs.res.status, 404);
    assert.equal(theirs.body, unknown.body, "indistinguishable from an unknown id");
    const del = await fetch(`${url}/api/generate?stream_id=${streamId}`, { method: "DELETE", headers: bob });
    const delUnknown = await fetch(`${url}/api/generate?stream_id=AAAAAAAAAAAAAAAA`, { method: "DELETE", headers: bob });
    assert.equal(del.status, 404);
    assert.equal(await del.text(), await delUnknown.text());
  });

  it("the principal that started it resumes it (the same generation, from the next event) and cancels it", async () => {
    const rest = await read(`${url}/api/generate`, { "last-event-id": lastId, ...ada }, 2);
    assert.equal(rest.res.status, 200);
    assert.deepEqual(rest.events.map((e) => e.id), [`${streamId}:3`, `${streamId}:4`]);
    const del = await fetch(`${url}/api/generate?stream_id=${streamId}`, { method: "DELETE", headers: ada });
    assert.equal(del.status, 204);
  });
});

describe("resumable streams: principals from any middleware, limits in all and per principal", { timeout: 30_000 }, () => {
  it("PRINCIPAL set by a middleware names the owner; 2 streams per principal, 3 in all, then 429", async () => {
    const model = await startModelServer({ tokensPerSecond: 200 });
    const fromHeader: Middleware<ClientCallContext> = (next) => (call) => {
      call.ctx.values.set(PRINCIPAL, call.ctx.requestMetadata.getString("x-user"));
      return next(call);
    };
    const gateway = createGateway({
      services: [generationDescriptor()],
      transport: model.transport,
      middleware: [fromHeader],
      forwardHeaders: ["x-user"],
      resume: { maxStreams: 3, maxStreamsPerClient: 2 },
      routes: [{ path: "/api/generate", rpc: "weir.generation.v1.Generation/Generate", resumable: true }],
    });
    const server = http.createServer(gateway.handle);
    try {
      const url = await listenHttp(server);
      const start = (user: string) => read(`${url}/api/generate?resumable=1&model=paced&prompt=Hi&max_tokens=2000&temperature=0`, { "x-user": user }, 1);
      const a1 = await start("a");
      assert.equal((await start("a")).res.status, 200);
      const perClient = await start("a");
      assert.equal(perClient.res.status, 429);
      assert.match(perClient.body, /holds 2 resumable streams/);
      assert.equal((await start("b")).res.status, 200);
      const total = await start("b");
      assert.equal(total.res.status, 429);
      assert.match(total.body, /too many resumable streams \(3\)/);
      const id = a1.res.headers.get(STREAM_ID_HEADER)!;
      const other = await fetch(`${url}/api/generate?stream_id=${id}`, { method: "DELETE", headers: { "x-user": "b" } });
      assert.equal(other.status, 404, "b cannot cancel a's stream");
      assert.equal((await fetch(`${url}/api/generate?stream_id=${id}`, { method: "DELETE", headers: { "x-user": "a" } })).status, 204);
      assert.equal((await start("b")).res.status, 200, "room again");
    } finally {
      await gateway.close();
      await closeHttp(server);
      await model.close();
    }
  });
});
