// Resumable SSE streams: a client that comes back with Last-Event-ID gets the rest of the same
// generation exactly once; streams without a reader pause their upstream and expire.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { createGateway, STREAM_ID_HEADER, type Gateway } from "../../src/gateway/index.js";
import { readSse, type SseMessage } from "../../src/http/index.js";
import { createClient } from "../../src/rpc/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { closeHttp, listenHttp, startModelServer, tokensAfterAbort, type ModelServer } from "./fixture.js";

const GENERATE = "weir.generation.v1.Generation/Generate";
type Chunk = { text: string; index: number; finish_reason: string };

/** Read events until `stopAfter` of them, or the end; a `stopAfter` read then drops the connection. */
async function read(url: string, headers: Record<string, string> = {}, stopAfter = Infinity): Promise<{ res: Response; events: SseMessage[] }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: SseMessage[] = [];
  if (res.status !== 200) return { res, events };
  for await (const m of readSse(res)) {
    events.push(m);
    if (events.length >= stopAfter) break;
  }
  controller.abort();
  return { res, events };
}

/** `/api/generate` resumable as given; `/api/short` resumable with a 300 ms retention window. */
function gatewayOn(model: ModelServer, resumable: object): Gateway {
  const json = { protoNames: true, emitDefaults: true };
  return createGateway({
    services: [generationDescriptor()],
    transport: model.transport,
    routes: [
      { path: "/api/generate", rpc: GENERATE, resumable, json },
      { path: "/api/short", rpc: GENERATE, resumable: { retentionMs: 300 }, json },
    ],
  });
}

/** A model server (paced engine, 200 tokens/s) and a gateway on it, started before the suite's tests and stopped after. */
function setUp(resumable: object): { model: ModelServer; gateway: Gateway; url: string } {
  const env = {} as { model: ModelServer; gateway: Gateway; url: string };
  let server: http.Server | undefined;
  before(async () => {
    env.model = await startModelServer({ tokensPerSecond: 200 });
    env.gateway = gatewayOn(env.model, resumable);
    server = http.createServer(env.gateway.handle);
    env.url = await listenHttp(server);
  });
  after(async () => {
    await env.gateway?.close();
    if (server) await closeHttp(server);
    await env.model?.close();
  });
  return env;
}

describe("resumable SSE streams", { timeout: 30_000 }, () => {
  const env = setUp({ retentionMs: 10_000 });

  it("a reconnect with Last-Event-ID continues the same generation: the rest, exactly once, not run again", async () => {
    const query = "model=paced&prompt=The%20river&max_tokens=60&seed=11&temperature=0.9";
    const startedBefore = env.model.stats.sequencesStarted;
    const first = await read(`${env.url}/api/generate?resumable=1&${query}`, {}, 5);
    const streamId = first.res.headers.get(STREAM_ID_HEADER)!;
    assert.match(streamId, /^[A-Za-z0-9_-]{16}$/);
    assert.deepEqual(first.events.map((e) => e.id), [0, 1, 2, 3, 4].map((i) => `${streamId}:${i}`));
    const rest = await read(`${env.url}/api/generate`, { "last-event-id": first.events[4]!.id });
    assert.equal(rest.res.status, 200);
    const all = [...first.events, ...rest.events];
    assert.equal(all.at(-1)!.event, "done");
    const chunks = all.filter((e) => e.event === "message").map((e) => JSON.parse(e.data) as Chunk);
    assert.deepEqual(chunks.map((c) => c.index), chunks.map((_, i) => i), "every chunk once, in order");
    assert.deepEqual(all.map((e) => e.id), all.map((_, i) => `${streamId}:${i}`));
    assert.equal(env.model.stats.sequencesStarted - startedBefore, 1, "the generation ran once");
    const whole = await createClient(generationDescriptor(), env.model.transport).Complete({ model: "paced", prompt: "The river", max_tokens: 60, seed: 11, temperature: 0.9 });
    assert.equal(chunks.map((c) => c.text).join(""), whole.text);
    const again = await read(`${env.url}/api/generate`, { "last-event-id": all.at(-1)!.id });
    assert.equal(again.res.status, 204, "a stream read to its end tells EventSource not to reconnect");
    const older = await read(`${env.url}/api/generate`, { "last-event-id": first.events[1]!.id });
    assert.deepEqual(older.events.map((e) => e.id).slice(0, 2), [`${streamId}:2`, `${streamId}:3`], "replay from any kept event");
  });

  it("the Last-Event-ID may come as a query parameter; unknown streams answer 404", async () => {
    const first = await read(`${env.url}/api/generate?resumable=1&model=paced&prompt=A&max_tokens=20&seed=1`, {}, 2);
    const rest = await read(`${env.url}/api/generate?last_event_id=${encodeURIComponent(first.events[1]!.id)}`);
    assert.equal(rest.events[0]!.id.split(":")[1], "2");
    assert.equal((await read(`${env.url}/api/generate`, { "last-event-id": "AAAAAAAAAAAAAAAA:3" })).res.status, 404);
  });

  it("a stream nobody comes back to is aborted after the retention window: the engine stops", async () => {
    const first = await read(`${env.url}/api/short?resumable=1&model=paced&prompt=The%20town&max_tokens=2000&temperature=0`, {}, 3);
    const held = env.gateway.resumableStats().streams;
    const after = await tokensAfterAbort(env.model);
    assert.ok(after <= 1, `${after} tokens after the expiry aborted the call`);
    assert.equal((await read(`${env.url}/api/short`, { "last-event-id": first.events[2]!.id })).res.status, 404);
    assert.equal(env.gateway.resumableStats().streams, held - 1);
  });

  it("DELETE with the stream id stops it at once", async () => {
    const first = await read(`${env.url}/api/generate?resumable=1&model=paced&prompt=The%20seasons&max_tokens=2000`, {}, 2);
    const id = first.res.headers.get(STREAM_ID_HEADER)!;
    const del = await fetch(`${env.url}/api/generate?stream_id=${id}`, { method: "DELETE" });
    assert.equal(del.status, 204);
    assert.ok(await tokensAfterAbort(env.model) <= 1);
    assert.equal((await fetch(`${env.url}/api/generate?stream_id=${id}`, { method: "DELETE" })).status, 404);
  });

  it("without ?resumable=1 a stream is not kept: a disconnect stops the engine at once", async () => {
    const held = env.gateway.resumableStats().streams;
    await read(`${env.url}/api/generate?model=paced&prompt=The%20kitchen&max_tokens=2000`, {}, 3);
    assert.ok(await tokensAfterAbort(env.model) <= 1);
    assert.equal(env.gateway.resumableStats().streams, held);
  });
});

describe("resumable streams pause their upstream while nobody reads", { timeout: 30_000 }, () => {
  it("the generation waits with a full buffer instead of running to its end", async () => {
    // Unthrottled engine (~10^5 tokens/s greedy), small HTTP/2 window: without the pause it would
    // make far more than the pipeline holds (window + queues, a few thousand chunks) before the expiry.
    const model = await startModelServer({ tokensPerSecond: 0, streamWindowBytes: 65_535, maxTokensLimit: 100_000 });
    const gateway = gatewayOn(model, { retentionMs: 1500, maxEvents: 16 });
    const server = http.createServer(gateway.handle);
    try {
      const url = await listenHttp(server);
      const before = model.stats.generatedTokens;
      await read(`${url}/api/generate?resumable=1&model=paced&prompt=The%20river&max_tokens=100000&temperature=0`, {}, 1);
      assert.ok(gateway.resumableStats().bytes <= 16 * 200, "at most maxEvents events held");
      const after = await tokensAfterAbort(model);
      assert.ok(after <= 1, `${after} tokens after the expiry`);
      const made = model.stats.generatedTokens - before;
      assert.ok(made < 20_000, `the engine made ${made} of 100000 tokens: it was paused, then aborted`);
    } finally {
      await gateway.close();
      await closeHttp(server);
      await model.close();
    }
  });
});

describe("resumable streams without a reader: grace, and limits per client", { timeout: 30_000 }, () => {
  const env = setUp({ retentionMs: 10_000, graceMs: 300, maxStreamsPerClient: 2 });

  it("the generation stops after graceMs without a reader; a reader who comes back gets the kept events, then an error event saying why", async () => {
    const first = await read(`${env.url}/api/generate?resumable=1&model=paced&prompt=The%20river&max_tokens=2000&temperature=0`, {}, 3);
    const started = Date.now();
    const after = await tokensAfterAbort(env.model); // resolves once the generation ended
    assert.ok(after <= 1, `${after} tokens after the grace stopped it`);
    assert.ok(Date.now() - started >= 250, "not before the grace");
    const rest = await read(`${env.url}/api/generate`, { "last-event-id": first.events[2]!.id });
    assert.equal(rest.res.status, 200, "the events are kept for the retention window");
    const last = rest.events.at(-1)!;
    assert.equal(last.event, "error");
    assert.deepEqual(JSON.parse(last.data), { code: 1, status: "CANCELLED", message: "the generation was stopped: no reader for 300 ms" });
    const ids = [...first.events, ...rest.events].map((e) => Number(e.id.split(":")[1]));
    assert.deepEqual(ids, ids.map((_, i) => i), "every kept event once, in order");
    assert.ok(rest.events.length > 10, `${rest.events.length} events were made during the grace`);
    const id = first.res.headers.get(STREAM_ID_HEADER)!;
    assert.equal((await fetch(`${env.url}/api/generate?stream_id=${id}`, { method: "DELETE" })).status, 204);
  });

  it("a client holds at most maxStreamsPerClient streams: one more is 429 with Retry-After; DELETE makes room", async () => {
    const query = "resumable=1&model=paced&prompt=The%20town&max_tokens=2000&temperature=0";
    const a = await read(`${env.url}/api/generate?${query}`, {}, 1);
    const b = await read(`${env.url}/api/generate?${query}`, {}, 1);
    const third = await fetch(`${env.url}/api/generate?${query}`);
    assert.equal(third.status, 429);
    assert.equal(third.headers.get("retry-after"), "1");
    assert.match(((await third.json()) as { error: { message: string } }).error.message, /holds 2 resumable streams, the most it may/);
    const plain = await read(`${env.url}/api/generate?model=paced&prompt=Hi&max_tokens=3`);
    assert.equal(plain.res.status, 200, "ordinary streams are not counted");
    for (const s of [a, b]) {
      const del = await fetch(`${env.url}/api/generate?stream_id=${s.res.headers.get(STREAM_ID_HEADER)}`, { method: "DELETE" });
      assert.equal(del.status, 204);
    }
    const again = await read(`${env.url}/api/generate?${query}`, {}, 1);
    assert.equal(again.res.status, 200);
    await fetch(`${env.url}/api/generate?stream_id=${again.res.headers.get(STREAM_ID_HEADER)}`, { method: "DELETE" });
  });
});
