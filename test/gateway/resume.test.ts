// Resumable SSE streams: a client that comes back with Last-Event-ID gets the rest of the same
// generation exactly once; streams without a reader pause their upstream and expire.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { createGateway, STREAM_ID_HEADER, type Gateway } from "../../src/gateway/index.js";
import { readSse, type SseMessage } from "../../src/http/index.js";
import { createClient } from "../../src/rpc/index.js";
import { generationService } from "../../src/serving/index.js";
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
    services: [generationService()],
    transport: model.transport,
    routes: [
      { path: "/api/generate", rpc: GENERATE, resumable, json },
      { path: "/api/short", rpc: GENERATE, resumable: { retentionMs: 300 }, json },
    ],
  });
}

describe("resumable SSE streams", { timeout: 30_000 }, () => {
  let model: ModelServer;
  let gateway: Gateway;
  let server: http.Server;
  let url: string;

  before(async () => {
    model = await startModelServer({ tokensPerSecond: 200 });
    gateway = gatewayOn(model, { retentionMs: 10_000 });
    server = http.createServer(gateway.handle);
    url = await listenHttp(server);
  });
  after(async () => {
    await gateway?.close();
    if (server) await closeHttp(server);
    await model?.close();
  });

  it("a reconnect with Last-Event-ID continues the same generation: the rest, exactly once, not run again", async () => {
    const query = "model=paced&prompt=The%20river&max_tokens=60&seed=11&temperature=0.9";
    const startedBefore = model.stats.sequencesStarted;
    const first = await read(`${url}/api/generate?resumable=1&${query}`, {}, 5);
    const streamId = first.res.headers.get(STREAM_ID_HEADER)!;
    assert.match(streamId, /^[A-Za-z0-9_-]{16}$/);
    assert.deepEqual(first.events.map((e) => e.id), [0, 1, 2, 3, 4].map((i) => `${streamId}:${i}`));
    const rest = await read(`${url}/api/generate`, { "last-event-id": first.events[4]!.id });
    assert.equal(rest.res.status, 200);
    const all = [...first.events, ...rest.events];
    assert.equal(all.at(-1)!.event, "done");
    const chunks = all.filter((e) => e.event === "message").map((e) => JSON.parse(e.data) as Chunk);
    assert.deepEqual(chunks.map((c) => c.index), chunks.map((_, i) => i), "every chunk once, in order");
    assert.deepEqual(all.map((e) => e.id), all.map((_, i) => `${streamId}:${i}`));
    assert.equal(model.stats.sequencesStarted - startedBefore, 1, "the generation ran once");
    const whole = await createClient(generationService(), model.transport).Complete({ model: "paced", prompt: "The river", max_tokens: 60, seed: 11, temperature: 0.9 });
    assert.equal(chunks.map((c) => c.text).join(""), whole.text);
    const again = await read(`${url}/api/generate`, { "last-event-id": all.at(-1)!.id });
    assert.equal(again.res.status, 204, "a stream read to its end tells EventSource not to reconnect");
    const older = await read(`${url}/api/generate`, { "last-event-id": first.events[1]!.id });
    assert.deepEqual(older.events.map((e) => e.id).slice(0, 2), [`${streamId}:2`, `${streamId}:3`], "replay from any kept event");
  });

  it("the Last-Event-ID may come as a query parameter; unknown streams answer 404", async () => {
    const first = await read(`${url}/api/generate?resumable=1&model=paced&prompt=A&max_tokens=20&seed=1`, {}, 2);
    const rest = await read(`${url}/api/generate?last_event_id=${encodeURIComponent(first.events[1]!.id)}`);
    assert.equal(rest.events[0]!.id.split(":")[1], "2");
    assert.equal((await read(`${url}/api/generate`, { "last-event-id": "AAAAAAAAAAAAAAAA:3" })).res.status, 404);
  });

  it("a stream nobody comes back to is aborted after the retention window: the engine stops", async () => {
    const first = await read(`${url}/api/short?resumable=1&model=paced&prompt=The%20town&max_tokens=2000&temperature=0`, {}, 3);
    const held = gateway.resumableStats().streams;
    const after = await tokensAfterAbort(model);
    assert.ok(after <= 1, `${after} tokens after the expiry aborted the call`);
    assert.equal((await read(`${url}/api/short`, { "last-event-id": first.events[2]!.id })).res.status, 404);
    assert.equal(gateway.resumableStats().streams, held - 1);
  });

  it("DELETE with the stream id stops it at once", async () => {
    const first = await read(`${url}/api/generate?resumable=1&model=paced&prompt=The%20seasons&max_tokens=2000`, {}, 2);
    const id = first.res.headers.get(STREAM_ID_HEADER)!;
    const del = await fetch(`${url}/api/generate?stream_id=${id}`, { method: "DELETE" });
    assert.equal(del.status, 204);
    assert.ok(await tokensAfterAbort(model) <= 1);
    assert.equal((await fetch(`${url}/api/generate?stream_id=${id}`, { method: "DELETE" })).status, 404);
  });

  it("without ?resumable=1 a stream is not kept: a disconnect stops the engine at once", async () => {
    const held = gateway.resumableStats().streams;
    await read(`${url}/api/generate?model=paced&prompt=The%20kitchen&max_tokens=2000`, {}, 3);
    assert.ok(await tokensAfterAbort(model) <= 1);
    assert.equal(gateway.resumableStats().streams, held);
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
