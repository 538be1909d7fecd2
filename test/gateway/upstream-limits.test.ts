// The gateway when its streams to the model server run out (model server: 2 streams per
// connection; transport: 1 connection): a request that finds the waiting queue full is 429, one
// that waits too long is 503, both with Retry-After and the JSON error body (OpenAI's shape on /v1).
import assert from "node:assert/strict";
import http from "node:http";
import { describe, it } from "node:test";
import { createGateway, openAiRoutes, type Gateway } from "../../src/gateway/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import type { GrpcTransportOptions } from "../../src/transport/index.js";
import { closeHttp, listenHttp, probeService, startModelServer, type ModelServer } from "./fixture.js";

interface ErrorBody { error: { code: number; status: string; message: string } }

/** A model server with 2 streams per connection, a gateway on one connection to it, and 2 generations holding both streams. */
async function saturated(transport: Partial<GrpcTransportOptions>, run: (url: string) => Promise<void>): Promise<void> {
  const model: ModelServer = await startModelServer({ tokensPerSecond: 20, maxConcurrentStreams: 2, transport: { maxConnections: 1, ...transport } });
  const gateway: Gateway = createGateway({
    services: [probeService, generationDescriptor()],
    transport: model.transport,
    routes: [
      { path: "/probe", rpc: "gw.test.Probe/Unary" },
      { path: "/api/generate", rpc: "weir.generation.v1.Generation/Generate" },
      ...openAiRoutes({ service: generationDescriptor(), transport: model.transport }),
    ],
  });
  const server = http.createServer(gateway.handle);
  const hold = new AbortController();
  try {
    const url = await listenHttp(server);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${url}/api/generate?model=paced&prompt=Hold&max_tokens=2000`, { signal: hold.signal });
      assert.equal(res.status, 200);
      await res.body!.getReader().read();
    }
    await run(url);
  } finally {
    hold.abort();
    await gateway.close();
    await closeHttp(server);
    await model.close();
  }
}

const post = (url: string, body = "{}") => fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } });

describe("gateway: upstream streams run out", { timeout: 30_000 }, () => {
  it("the waiting queue is full: 429 at once, Retry-After, RESOURCE_EXHAUSTED; an SSE route and the OpenAI facade alike", async () => {
    await saturated({ maxWaitingCalls: 0, streamWaitTimeoutMs: 10_000 }, async (url) => {
      const start = performance.now();
      const res = await post(`${url}/probe`);
      assert.ok(performance.now() - start < 5000, "refused without waiting (a wait would last 10 s)");
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("retry-after"), "1");
      const body = (await res.json()) as ErrorBody;
      assert.equal(body.error.status, "RESOURCE_EXHAUSTED");
      assert.match(body.error.message, /every HTTP\/2 stream to 127\.0\.0\.1:\d+ \(2 streams on 1 connection\) is busy/);
      const sse = await fetch(`${url}/api/generate?model=paced&prompt=More`);
      assert.equal(sse.status, 429, "before the stream starts: a plain HTTP status");
      assert.equal(sse.headers.get("retry-after"), "1");
      await sse.body?.cancel();
      const models = await fetch(`${url}/v1/models`);
      assert.equal(models.status, 429);
      assert.equal(models.headers.get("retry-after"), "1");
      assert.equal(((await models.json()) as { error: { type: string } }).error.type, "rate_limit_error");
    });
  });

  it("with the defaults, an SSE request that waited in vain is 503 before its stream starts", async () => {
    await saturated({}, async (url) => {
      const start = performance.now();
      const sse = await fetch(`${url}/api/generate?model=paced&prompt=More`);
      const waited = performance.now() - start;
      assert.equal(sse.status, 503, "a plain HTTP status, not 200 and an error event");
      assert.equal(sse.headers.get("retry-after"), "1");
      assert.equal(((await sse.json()) as ErrorBody).error.status, "UNAVAILABLE");
      assert.ok(waited >= 400 && waited < 10_000, `answered after ${waited.toFixed(0)} ms: the 500 ms wait, not the 30 s accept wait`);
    });
  });

  it("no stream frees within streamWaitTimeoutMs: 503 with Retry-After, UNAVAILABLE", async () => {
    await saturated({ streamWaitTimeoutMs: 200 }, async (url) => {
      const start = performance.now();
      const res = await post(`${url}/probe`);
      const waited = performance.now() - start;
      assert.ok(waited >= 190 && waited < 3000, `answered after ${waited.toFixed(0)} ms`);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("retry-after"), "1");
      const body = (await res.json()) as ErrorBody;
      assert.equal(body.error.status, "UNAVAILABLE");
      assert.match(body.error.message, /became free within 200 ms/);
    });
  });
});
