// The gateway on node:http in front of a real Weir gRPC server, driven by real HTTP clients
// (fetch, the `ws` client): JSON, SSE, WebSocket, metadata, deadlines, errors, cancellation.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { createGateway, type Gateway } from "../../src/gateway/index.js";
import { readSse, type SseMessage } from "../../src/http/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { closeHttp, Code, listenHttp, probeService, startModelServer, tokensAfterAbort, type ModelServer } from "./fixture.js";
import { within } from "../helpers/wait.js";

const GENERATE = "weir.generation.v1.Generation/Generate";

async function events(res: Response, stopAfter = Infinity): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const m of readSse(res)) {
    out.push(m);
    if (out.length >= stopAfter) break;
  }
  return out;
}

function wsMessages(ws: WebSocket): { messages: string[]; closed: Promise<[number, string]> } {
  const messages: string[] = [];
  ws.on("message", (d) => messages.push(String(d)));
  const closed = within(new Promise<[number, string]>((resolve) => ws.on("close", (code, reason) => resolve([code, String(reason)]))), "the WebSocket's close");
  return { messages, closed };
}

describe("gateway", { timeout: 30_000 }, () => {
  let model: ModelServer;
  let gateway: Gateway;
  let server: http.Server;
  let url: string;

  before(async () => {
    model = await startModelServer();
    gateway = createGateway({
      services: [probeService, generationDescriptor()],
      transport: model.transport,
      routes: [
        { path: "/probe", rpc: "gw.test.Probe/Unary" },
        { path: "/probe/:text", rpc: "Probe/Unary", methods: ["GET"] },
        { path: "/probe-stream", rpc: "Probe/Server" },
        { path: "/probe-collect", rpc: "Probe/Client" },
        { path: "/probe-ws", rpc: "Probe/Bidi" },
        { path: "/api/generate", rpc: GENERATE, json: { protoNames: true, emitDefaults: true } },
        { path: "/api/generate/ws", rpc: GENERATE, as: "websocket" },
      ],
    });
    server = http.createServer(gateway.handle).on("upgrade", gateway.handleUpgrade);
    url = await listenHttp(server);
  });
  after(async () => {
    await gateway?.close();
    if (server) await closeHttp(server);
    await model?.close();
  });

  it("POST JSON -> unary -> JSON, and path parameters", async () => {
    const res = await fetch(`${url}/probe`, { method: "POST", body: JSON.stringify({ text: "hi" }), headers: { "content-type": "application/json" } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /application\/json/);
    const { deadlineMs, ...rest } = await res.json() as { deadlineMs: string };
    assert.deepEqual(rest, { text: "hi", index: 0, requestId: "", tag: "" });
    const left = Number(deadlineMs);
    assert.ok(left > 50_000 && left <= 60_000, `a JSON route's call has the default deadline of 60 s, ${left} ms left`);
    const got = await (await fetch(`${url}/probe/caf%C3%A9`)).json() as { text: string };
    assert.equal(got.text, "café");
  });

  it("forwards selected headers as metadata and turns the timeout header into the call's deadline", async () => {
    const res = await fetch(`${url}/probe`, {
      method: "POST", body: "{}", headers: { "x-request-id": "r-1", "grpc-metadata-x-tag": "t-2", "x-timeout-ms": "5000", "x-other": "dropped" },
    });
    const body = await res.json() as { requestId: string; tag: string; deadlineMs: string };
    assert.equal(body.requestId, "r-1");
    assert.equal(body.tag, "t-2");
    const left = Number(body.deadlineMs);
    assert.ok(left > 3000 && left <= 5000, `the server saw ${left} ms left`);
    const late = await fetch(`${url}/probe`, { method: "POST", body: JSON.stringify({ delay_ms: 2000 }), headers: { "x-timeout-ms": "50" } });
    assert.equal(late.status, 504);
    const err = (await late.json() as { error: { code: number; status: string; message: string } }).error;
    assert.equal(err.code, Code.DeadlineExceeded);
    assert.equal(err.status, "DEADLINE_EXCEEDED");
    assert.match(err.message, /deadline/);
  });

  it("maps RpcError codes to HTTP statuses with a JSON body", async () => {
    const post = (body: string, headers: Record<string, string> = {}) => fetch(`${url}/probe`, { method: "POST", body, headers });
    const notFound = await post(JSON.stringify({ fail: Code.NotFound }));
    assert.equal(notFound.status, 404);
    assert.deepEqual(await notFound.json(), { error: { code: 5, status: "NOT_FOUND", message: "asked to fail with 5" } });
    assert.equal((await post(JSON.stringify({ fail: Code.PermissionDenied }))).status, 403);
    assert.equal((await post(JSON.stringify({ fail: Code.Unavailable }))).status, 503);
    const bad = await post("{nope");
    assert.equal(bad.status, 400);
    assert.equal((await bad.json() as { error: { status: string } }).error.status, "INVALID_ARGUMENT");
    const unknownField = await post(JSON.stringify({ nope: 1 }));
    assert.equal(unknownField.status, 400);
    assert.match((await unknownField.json() as { error: { message: string } }).error.message, /no field "nope"/);
    assert.equal((await post("{}", { "x-timeout-ms": "soon" })).status, 400);
    const tooLong = await post("{}", { "x-timeout-ms": "3600001" });
    assert.equal(tooLong.status, 400, "a timeout over maxTimeoutMs (1 h)");
    assert.match((await tooLong.json() as { error: { message: string } }).error.message, /timeout of 3600001 ms exceeds the limit of 3600000 ms/);
    const wrongMethod = await fetch(`${url}/probe`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get("allow"), "POST");
    assert.equal((await fetch(`${url}/nowhere`)).status, 404);
    const big = await post("x".repeat((1 << 20) + 1));
    assert.equal(big.status, 413, "a body over the limit is 413, not 429");
    assert.equal((await big.json() as { error: { status: string } }).error.status, "RESOURCE_EXHAUSTED");
  });

  it("client streaming: a JSON array body", async () => {
    const res = await fetch(`${url}/probe-collect`, { method: "POST", body: JSON.stringify([{ text: "a" }, { text: "b" }]) });
    assert.deepEqual(await res.json(), { text: "ab", index: 0, requestId: "", tag: "", deadlineMs: "0" });
  });

  it("server stream -> SSE: one event per message with ids, then a done event", async () => {
    const res = await fetch(`${url}/probe-stream?text=t&count=3`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-cache");
    assert.equal(res.headers.get("x-accel-buffering"), "no");
    const got = await events(res);
    assert.deepEqual(got.map((m) => [m.event, m.id]), [["message", "0"], ["message", "1"], ["message", "2"], ["done", "2"]]);
    assert.deepEqual(got.slice(0, 3).map((m) => JSON.parse(m.data).index), [0, 1, 2]);
    const left = Number(JSON.parse(got[0]!.data).deadlineMs);
    assert.ok(left > 590_000 && left <= 600_000, `a stream has the default stream deadline of 10 min, ${left} ms left`);
    assert.equal(got[3]!.data, "[DONE]");
    const posted = await events(await fetch(`${url}/probe-stream`, { method: "POST", body: JSON.stringify({ text: "p", count: 2 }) }));
    assert.equal(posted.length, 3);
  });

  it("an error before the first message is an HTTP status; after it, an error event ends the stream", async () => {
    const early = await fetch(`${url}/probe-stream?count=3&fail=${Code.NotFound}&fail_after=0`);
    assert.equal(early.status, 404);
    assert.equal((await early.json() as { error: { code: number } }).error.code, Code.NotFound);
    const got = await events(await fetch(`${url}/probe-stream?text=t&count=5&fail=${Code.ResourceExhausted}&fail_after=2`));
    assert.deepEqual(got.map((m) => m.event), ["message", "message", "error"]);
    assert.deepEqual(JSON.parse(got[2]!.data), { code: Code.ResourceExhausted, status: "RESOURCE_EXHAUSTED", message: "failed after 2 messages" });
  });

  it("WebSocket <-> bidi stream, with [DONE] as half-close and errors as a last message", async () => {
    const ws = new WebSocket(`${url.replace("http", "ws")}/probe-ws`);
    const { messages, closed } = wsMessages(ws);
    await within(new Promise((resolve) => ws.once("open", resolve)), "the WebSocket's open");
    ws.send(JSON.stringify({ text: "a" }));
    ws.send(JSON.stringify({ text: "b" }));
    ws.send("[DONE]");
    assert.deepEqual(await closed, [1000, "done"]);
    assert.deepEqual(messages.map((m) => JSON.parse(m)), [{ text: "A", index: 0, requestId: "", tag: "", deadlineMs: "0" }, { text: "B", index: 1, requestId: "", tag: "", deadlineMs: "0" }]);

    const failing = new WebSocket(`${url.replace("http", "ws")}/probe-ws`);
    const f = wsMessages(failing);
    await within(new Promise((resolve) => failing.once("open", resolve)), "the WebSocket's open");
    failing.send(JSON.stringify({ fail: Code.PermissionDenied }));
    const [code] = await f.closed;
    assert.equal(code, 1011);
    assert.equal(JSON.parse(f.messages.at(-1)!).error.status, "PERMISSION_DENIED");
    await assert.rejects(within(new Promise((resolve, reject) => new WebSocket(`${url.replace("http", "ws")}/nowhere`).once("open", resolve).once("error", reject)), "the refusal of /nowhere"));
  });

  it("a client that disconnects mid-SSE aborts the upstream call: the engine stops within one token", async () => {
    const controller = new AbortController();
    const res = await fetch(`${url}/api/generate?model=paced&prompt=The%20river&max_tokens=2000&temperature=0`, { signal: controller.signal });
    const got = await events(res, 5);
    assert.equal(JSON.parse(got[0]!.data).index, 0);
    assert.ok("token_ids" in JSON.parse(got[0]!.data), "proto names on this route");
    controller.abort();
    const after = await tokensAfterAbort(model);
    assert.ok(after <= 1, `${after} tokens after the abort reached the engine`);
    assert.equal(model.stats.activeSequences, 0);
  });

  it("a WebSocket closed mid-generation aborts the upstream call: the engine stops within one token", async () => {
    const ws = new WebSocket(`${url.replace("http", "ws")}/api/generate/ws`);
    await within(new Promise((resolve) => ws.once("open", resolve)), "the WebSocket's open");
    ws.send(JSON.stringify({ model: "paced", prompt: "The kitchen", maxTokens: 2000, temperature: 0 }));
    let n = 0;
    await within(new Promise<void>((resolve) => ws.on("message", () => { if (++n === 5) resolve(); })), "five messages");
    ws.close();
    const after = await tokensAfterAbort(model);
    assert.ok(after <= 1, `${after} tokens after the abort reached the engine`);
  });
});
