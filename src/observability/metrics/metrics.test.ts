import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createMetrics, readMetric } from "./index.js";
import { onceWithin } from "../../../test/helpers/wait.js";

describe("metrics", () => {
  it("exposes the engine counters as they are at scrape time", async () => {
    const stats = { generatedTokens: 0, activeSequences: 0, sequencesStarted: 0 };
    const metrics = createMetrics({ engine: stats, processMetrics: false });
    let text = await metrics.text();
    assert.equal(readMetric(text, "weir_engine_generated_tokens_total"), 0);
    assert.equal(readMetric(text, "weir_engine_active_sequences"), 0);
    assert.match(text, /# TYPE weir_engine_generated_tokens_total counter/);
    assert.match(text, /# TYPE weir_engine_active_sequences gauge/);
    stats.generatedTokens = 42;
    stats.activeSequences = 3;
    stats.sequencesStarted = 5;
    text = await metrics.text();
    assert.equal(readMetric(text, "weir_engine_generated_tokens_total"), 42);
    assert.equal(readMetric(text, "weir_engine_active_sequences"), 3);
    assert.equal(readMetric(text, "weir_engine_sequences_started_total"), 5);
    stats.generatedTokens = 43;
    stats.activeSequences = 0;
    text = await metrics.text();
    assert.equal(readMetric(text, "weir_engine_generated_tokens_total"), 43);
    assert.equal(readMetric(text, "weir_engine_active_sequences"), 0);
  });

  it("takes a function as the source and leaves out what it lacks", async () => {
    let n = 0;
    const metrics = createMetrics({ engine: () => ({ generatedTokens: ++n, activeSequences: 1 }), processMetrics: false });
    const text = await metrics.text();
    assert.ok(readMetric(text, "weir_engine_generated_tokens_total")! >= 1);
    assert.equal(readMetric(text, "weir_engine_sequences_started_total"), undefined);
  });

  it("keeps registries apart and adds process metrics by default", async () => {
    const a = createMetrics({ engine: { generatedTokens: 1, activeSequences: 0 } });
    const b = createMetrics({ engine: { generatedTokens: 2, activeSequences: 0 } });
    const [ta, tb] = await Promise.all([a.text(), b.text()]);
    assert.equal(readMetric(ta, "weir_engine_generated_tokens_total"), 1);
    assert.equal(readMetric(tb, "weir_engine_generated_tokens_total"), 2);
    assert.ok(readMetric(ta, "process_resident_memory_bytes")! > 0);
  });

  it("answers GET /metrics over node:http with the Prometheus content type, and 405 to POST", async () => {
    const metrics = createMetrics({ engine: { generatedTokens: 7, activeSequences: 2 }, processMetrics: false });
    const server = http.createServer((req, res) => metrics.handle(req, res));
    server.listen(0, "127.0.0.1");
    await onceWithin(server, "listening");
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
      assert.equal(readMetric(await res.text(), "weir_engine_active_sequences"), 2);
      const post = await fetch(url, { method: "POST" });
      assert.equal(post.status, 405);
      await post.body?.cancel();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
