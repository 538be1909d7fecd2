// The gateway answers 200 to a streaming request only once the upstream accepted the call (its
// response headers or first message), within acceptTimeoutMs: a request the model server refuses
// after a while is still a 4xx with a JSON body, not a 200 whose stream says `event: error`.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI from "openai";
import { Code, RpcError, type Middleware, type ServerCallContext } from "../../src/index.js";
import { createGateway, openAiRoutes, type Gateway } from "../../src/gateway/index.js";
import { readSse } from "../../src/http/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { until } from "../attack/harness.js";
import { closeHttp, listenHttp, probeService, startModelServer, type ModelServer } from "./fixture.js";

const GENERATE = "weir.generation.v1.Generation/Generate";

/** Calls held until their signal aborted, by the code of the abort reason. */
const released: Code[] = [];

/**
 * Model-server middleware driven by request metadata: `x-refuse-after-ms` refuses the call with
 * INVALID_ARGUMENT after that long (a slow check); `x-accept-then-wait-ms` sends the headers at
 * once, then waits that long before the handler runs; `x-hold` never accepts (until cancelled).
 */
const slowUpstream: Middleware<ServerCallContext> = (next) => async (call) => {
  const md = call.ctx.requestMetadata, signal = call.ctx.signal;
  const refuseAfter = md.getString("x-refuse-after-ms");
  if (refuseAfter !== undefined) {
    await sleep(Number(refuseAfter), undefined, { signal });
    throw new RpcError(Code.InvalidArgument, "refused after a slow check");
  }
  const acceptThenWait = md.getString("x-accept-then-wait-ms");
  if (acceptThenWait !== undefined) {
    call.ctx.sendHeaders();
    await sleep(Number(acceptThenWait), undefined, { signal });
  }
  if (md.getString("x-hold") !== undefined) {
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    released.push(RpcError.from(signal.reason).code);
    throw signal.reason;
  }
  return next(call);
};

describe("SSE answers 200 only once the upstream accepted the call", { timeout: 30_000 }, () => {
  let model: ModelServer;
  let gateways: Gateway[];
  let server: http.Server;
  let url: string;

  before(async () => {
    model = await startModelServer({ tokensPerSecond: 0, middleware: [slowUpstream] });
    const routes = (prefix: string) => [
      { path: `${prefix}/probe-stream`, rpc: "gw.test.Probe/Server" },
      { path: `${prefix}/api/generate`, rpc: GENERATE },
      { path: `${prefix}/api/resumable`, rpc: GENERATE, resumable: true },
      ...openAiRoutes({ service: generationDescriptor(), transport: model.transport, prefix: `${prefix}/v1` }),
    ];
    const services = [probeService, generationDescriptor()];
    const defaults = createGateway({ services, transport: model.transport, routes: routes("") });
    const impatient = createGateway({ services, transport: model.transport, acceptTimeoutMs: 300, routes: routes("/impatient") });
    gateways = [defaults, impatient];
    server = http.createServer((req, res) => {
      if (!impatient.tryHandle(req, res)) defaults.handle(req, res);
    });
    url = await listenHttp(server);
  });
  after(async () => {
    await closeHttp(server);
    await Promise.all(gateways.map((g) => g.close()));
    await model.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers, signal: AbortSignal.timeout(10_000) });

  it("a request refused after 1.2 s (past the old 1 s first-event wait) is 400 JSON on SSE routes", async () => {
    for (const path of ["/probe-stream?text=a&count=2", "/api/generate?prompt=hi&maxTokens=3", "/api/resumable?prompt=hi&maxTokens=3&resumable=1"]) {
      const r = await get(path, { "grpc-metadata-x-refuse-after-ms": "1200" });
      const body = await r.text();
      assert.equal(r.status, 400, `${path}: ${body.slice(0, 200)}`);
      assert.match(r.headers.get("content-type") ?? "", /application\/json/);
      assert.match(body, /"status":"INVALID_ARGUMENT".*refused after a slow check/);
    }
  });

  it("OpenAI: a streaming request refused after 1.2 s is a 400 the openai client raises, not an error mid-stream", async () => {
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0, timeout: 10_000 });
    const e = await openai.chat.completions.create(
      { model: "fast", messages: [{ role: "user", content: "hi" }], max_tokens: 3, stream: true },
      { headers: { "grpc-metadata-x-refuse-after-ms": "1200" } },
    ).then(async (s) => { for await (const _ of s) { /* a stream means the refusal came too late */ } }, (x: unknown) => x);
    assert.ok(e instanceof OpenAI.BadRequestError, `expected a 400, got ${String(e)}`);
    assert.match(e.message, /refused after a slow check/);
  });

  it("answers 200 as soon as the upstream sends its headers, before the first message", async () => {
    const start = performance.now();
    const r = await get("/probe-stream?text=a&count=1", { "grpc-metadata-x-accept-then-wait-ms": "800" });
    const headAt = performance.now() - start;
    assert.equal(r.status, 200);
    assert.ok(headAt < 600, `the head came ${headAt.toFixed(0)} ms after the request, before the first message (800 ms)`);
    const events = [];
    for await (const m of readSse(r)) events.push(m);
    assert.deepEqual(events.map((m) => m.event ?? "message"), ["message", "done"]);
  });

  it("an upstream that does not accept within acceptTimeoutMs is 504 JSON, and the upstream call is cancelled", async () => {
    for (const path of ["/impatient/probe-stream?text=a", "/impatient/api/generate?prompt=hi"]) {
      const before = released.length;
      const start = performance.now();
      const r = await get(path, { "grpc-metadata-x-hold": "1" });
      const took = performance.now() - start;
      const body = await r.text();
      assert.equal(r.status, 504, body);
      assert.match(body, /"status":"DEADLINE_EXCEEDED".*did not accept the call within 300 ms/);
      assert.ok(took >= 290 && took < 2000, `answered after ${took.toFixed(0)} ms`);
      await until(() => released.length > before, "the model server to see the call cancelled");
      assert.equal(released.at(-1), Code.Canceled);
    }
    const openai = new OpenAI({ baseURL: `${url}/impatient/v1`, apiKey: "unused", maxRetries: 0, timeout: 10_000 });
    const e = await openai.chat.completions.create(
      { model: "fast", messages: [{ role: "user", content: "hi" }], stream: true },
      { headers: { "grpc-metadata-x-hold": "1" } },
    ).then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof OpenAI.APIError && e.status === 504, `expected 504, got ${String(e)}`);
  });
});
