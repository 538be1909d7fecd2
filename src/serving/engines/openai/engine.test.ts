// The upstream engine against scripted HTTP servers for what a healthy upstream does not do on
// demand (refusals, silence, oversized or broken streams); test/e2e/upstream.test.ts runs it
// against a real `weir serve`.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { Code, RpcError } from "../../../core/index.js";
import type { Engine, EngineStep } from "../engine.js";
import { hasAcceptance } from "../engine.js";
import { until } from "../../../../test/attack/harness.js";
import { freePort } from "../../../../test/e2e/serve-process.js";
import { createOpenAiEngine } from "./engine.js";
import type { OpenAiEngineOptions } from "./options.js";

type Script = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

const servers: http.Server[] = [];
after(() => servers.forEach((s) => { s.closeAllConnections(); s.close(); }));

/** A server answering every request with `script`; resolves with its /v1 URL and the bodies it got. */
async function upstream(script: Script): Promise<{ url: string; bodies: string[]; headers: http.IncomingHttpHeaders[]; closed: () => number }> {
  const bodies: string[] = [], headers: http.IncomingHttpHeaders[] = [];
  let closed = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (s: string) => (body += s));
    req.once("end", () => {
      bodies.push(body);
      headers.push(req.headers);
      res.once("close", () => closed++);
      script(req, body, res);
    });
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening", { signal: AbortSignal.timeout(5000) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, bodies, headers, closed: () => closed };
}

const sse = (res: http.ServerResponse, events: readonly unknown[], end = true) => {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const e of events) res.write(`data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`);
  if (end) res.end();
};
const chunk = (content: string, finish: string | null = null) => ({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] });

async function engineAt(url: string, o: Partial<OpenAiEngineOptions> = {}): Promise<Engine> {
  return createOpenAiEngine({ baseUrl: url, model: "m", ...o });
}

async function collect(steps: AsyncIterable<EngineStep>): Promise<EngineStep[]> {
  const out: EngineStep[] = [];
  for await (const s of steps) out.push(s);
  return out;
}

async function rejectsWith(p: Promise<unknown>, code: Code, message: RegExp): Promise<RpcError> {
  const e = await p.then(() => assert.fail("expected a rejection"), (x: unknown) => x);
  assert.ok(e instanceof RpcError, String(e));
  assert.equal(e.code, code, e.message);
  assert.match(e.message, message);
  return e;
}

describe("OpenAI-compatible upstream engine", { timeout: 30_000 }, () => {
  it("streams a chat: the request it sends, the text, the finish reason and the upstream's usage", async () => {
    const up = await upstream((_req, _body, res) => sse(res, [chunk("Hel"), chunk("lo"), chunk("", "length"), { choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }, "[DONE]"]));
    const engine = await engineAt(up.url, { apiKey: "k-1" });
    const steps = await collect(engine.generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 9, temperature: 0.5, seed: 42, stop: ["\n"] }));
    assert.deepEqual(steps.map((s) => s.text), ["Hel", "lo", ""]);
    assert.ok(steps.every((s) => s.tokenId === -1));
    assert.equal(steps.at(-1)!.finishReason, "length");
    assert.deepEqual(steps.at(-1)!.usage, { promptTokens: 5, completionTokens: 2 });
    assert.deepEqual(JSON.parse(up.bodies[0]!), {
      model: "m", max_tokens: 9, temperature: 0.5, top_p: 1, stream: true, stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Hi" }], stop: ["\n"], seed: 42,
    });
    assert.equal(up.headers[0]!.authorization, "Bearer k-1");
    assert.equal(engine.stats.generatedTokens, 2);
    assert.equal(engine.stats.activeSequences, 0);
  });

  it("a prompt goes to /completions; without usage from the upstream, the tokens relayed are counted", async () => {
    let path = "";
    const up = await upstream((req, _b, res) => { path = req.url!; sse(res, [{ choices: [{ text: "a b", finish_reason: null }] }, { choices: [{ text: "", finish_reason: "stop" }] }, "[DONE]"]); });
    const steps = await collect((await engineAt(up.url)).generate({ prompt: "The river" }));
    assert.equal(path, "/v1/completions");
    assert.equal(steps.map((s) => s.text).join(""), "a b");
    assert.equal(steps.at(-1)!.finishReason, "stop");
    assert.equal(steps.at(-1)!.usage!.completionTokens, 1);
  });

  it("refusals are the call's status before any step: 429 RESOURCE_EXHAUSTED with Retry-After, 503 UNAVAILABLE, 400, 401", async () => {
    const cases: [number, Record<string, string>, Code, RegExp, string | undefined][] = [
      [429, { "retry-after": "7" }, Code.ResourceExhausted, /HTTP 429: slow down/, "7"],
      [503, {}, Code.Unavailable, /HTTP 503: slow down/, "1"],
      [400, {}, Code.InvalidArgument, /HTTP 400/, undefined],
      [401, {}, Code.Unauthenticated, /HTTP 401/, undefined],
    ];
    for (const [status, extra, code, message, retry] of cases) {
      const up = await upstream((_r, _b, res) => { res.writeHead(status, { "content-type": "application/json", ...extra }); res.end(JSON.stringify({ error: { message: "slow down", type: "x" } })); });
      const engine = await engineAt(up.url);
      const steps = engine.generate({ prompt: "x" });
      assert.ok(hasAcceptance(steps));
      const e = await rejectsWith(steps.accepted, code, message);
      assert.equal(e.metadata.getString("retry-after"), retry);
      await rejectsWith(collect(steps), code, message);
      assert.equal(engine.stats.activeSequences, 0);
    }
  });

  it("an upstream out of reach is UNAVAILABLE; at start-up without a model name too", async () => {
    const dead = `http://127.0.0.1:${await freePort()}/v1`; // nothing listens there
    const e = await rejectsWith(collect((await engineAt(dead)).generate({ prompt: "x" })), Code.Unavailable, /unreachable: ECONNREFUSED/);
    assert.equal(e.metadata.getString("retry-after"), "1");
    await rejectsWith(createOpenAiEngine({ baseUrl: dead }), Code.Unavailable, /unreachable/);
  });

  it("silence bounds: no headers within responseTimeoutMs, no event within idleTimeoutMs: DEADLINE_EXCEEDED", async () => {
    const mute = await upstream(() => {});
    await rejectsWith(collect((await engineAt(mute.url, { responseTimeoutMs: 200 })).generate({ prompt: "x" })), Code.DeadlineExceeded, /no answer within 200 ms/);
    const stalls = await upstream((_r, _b, res) => sse(res, [chunk("a")], false));
    const steps: EngineStep[] = [];
    const e = await rejectsWith((async () => { for await (const s of (await engineAt(stalls.url, { idleTimeoutMs: 200 })).generate({ prompt: "x" })) steps.push(s); })(), Code.DeadlineExceeded, /nothing for 200 ms/);
    assert.deepEqual(steps.map((s) => s.text), ["a"], e.message);
    await until(() => stalls.closed() === 1, "the stalled response to be closed");
  });

  it("a broken stream: an event over maxEventBytes, an error event, an end without a finish, not an event stream", async () => {
    const big = await upstream((_r, _b, res) => sse(res, [chunk("x".repeat(5000))]));
    await rejectsWith(collect((await engineAt(big.url, { maxEventBytes: 1024 })).generate({ prompt: "x" })), Code.ResourceExhausted, /larger than 1024/);
    const failing = await upstream((_r, _b, res) => sse(res, [chunk("a"), { error: { message: "engine died" } }]));
    await rejectsWith(collect((await engineAt(failing.url)).generate({ prompt: "x" })), Code.Unavailable, /engine died/);
    const cut = await upstream((_r, _b, res) => sse(res, [chunk("a")]));
    await rejectsWith(collect((await engineAt(cut.url)).generate({ prompt: "x" })), Code.Unavailable, /ended its stream before the generation finished/);
    const json = await upstream((_r, _b, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end("{}"); });
    await rejectsWith(collect((await engineAt(json.url)).generate({ prompt: "x" })), Code.Internal, /not an event stream/);
  });

  it("the caller's abort closes the upstream request and ends the steps cancelled, before or after the headers", async () => {
    const slow = await upstream((_r, _b, res) => sse(res, [chunk("a")], false));
    const engine = await engineAt(slow.url);
    const controller = new AbortController();
    const steps: EngineStep[] = [];
    for await (const s of engine.generate({ prompt: "x" }, { signal: controller.signal })) {
      steps.push(s);
      if (s.text === "a") controller.abort();
    }
    assert.equal(steps.at(-1)!.finishReason, "cancelled");
    await until(() => slow.closed() === 1, "the upstream to see its request closed");
    const mute = await upstream(() => {});
    const early = new AbortController();
    const pending = engine.generate({ prompt: "x" }, { signal: early.signal });
    const mutedEngine = await engineAt(mute.url);
    const muted = mutedEngine.generate({ prompt: "x" }, { signal: early.signal });
    early.abort();
    assert.ok(hasAcceptance(muted));
    await muted.accepted; // resolves: a cancelled caller is not a refusal
    assert.equal((await collect(muted)).at(-1)!.finishReason, "cancelled");
    assert.equal((await collect(pending)).at(-1)!.finishReason, "cancelled");
    assert.equal(mutedEngine.stats.activeSequences, 0);
  });

  it("maxConcurrentRequests: one more is RESOURCE_EXHAUSTED; a slot frees when a generation ends, also unread after an abort", async () => {
    const hold = await upstream((_r, _b, res) => sse(res, [chunk("a")], false));
    const engine = await engineAt(hold.url, { maxConcurrentRequests: 1 });
    const controller = new AbortController();
    const first = engine.generate({ prompt: "x" }, { signal: controller.signal });
    assert.throws(() => engine.generate({ prompt: "y" }), (e: unknown) => e instanceof RpcError && e.code === Code.ResourceExhausted && e.metadata.getString("retry-after") === "1");
    assert.ok(hasAcceptance(first));
    await first.accepted;
    controller.abort(); // never read: the slot comes back at the abort
    const again = new AbortController();
    const second = engine.generate({ prompt: "z" }, { signal: again.signal });
    again.abort();
    assert.equal((await collect(second)).at(-1)!.finishReason, "cancelled");
  });

  it("start-up: the model from the upstream's /models (vLLM's max_model_len as the context); bad options are INVALID_ARGUMENT", async () => {
    const listing = await upstream((req, _b, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(req.url === "/v1/models" ? { object: "list", data: [{ id: "qwen", owned_by: "vllm", created: 5, max_model_len: 32768 }] } : {}));
    });
    const info = (await createOpenAiEngine({ baseUrl: listing.url.replace(/\/v1$/, "") })).info();
    assert.deepEqual({ id: info.id, ownedBy: info.ownedBy, created: info.created, contextLength: info.contextLength }, { id: "qwen", ownedBy: "vllm", created: 5, contextLength: 32768 });
    const empty = await upstream((_r, _b, res) => { res.writeHead(200); res.end('{"data": []}'); });
    await rejectsWith(createOpenAiEngine({ baseUrl: empty.url }), Code.FailedPrecondition, /lists no model/);
    await rejectsWith(createOpenAiEngine({ baseUrl: "ftp://x/v1", model: "m" }), Code.InvalidArgument, /http or https/);
    await rejectsWith(createOpenAiEngine({ baseUrl: "nonsense", model: "m" }), Code.InvalidArgument, /http\(s\) URL/);
    await rejectsWith(createOpenAiEngine({ baseUrl: "http://h/v1", model: "m", idleTimeoutMs: 0 }), Code.InvalidArgument, /idleTimeoutMs/);
    const engine = await createOpenAiEngine({ baseUrl: "http://h/v1", model: "m" });
    assert.throws(() => engine.generate({ prompt: "x", temperature: 9 }), /temperature/);
    assert.throws(() => engine.generate({ prompt: "x", seed: 2n ** 60n }), /safe integer/);
  });
});
