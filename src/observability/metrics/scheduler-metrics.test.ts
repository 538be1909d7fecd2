import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMetrics, readMetric, type SchedulerCounters } from "./index.js";

function histogram(bounds: number[]) {
  return { bounds, counts: new Float64Array(bounds.length), sum: 0, count: 0 };
}

describe("scheduler metrics", () => {
  it("exposes gauges, counters and histograms (ms as seconds) as they are at scrape time", async () => {
    const s = {
      running: 3, waiting: 7, preempted: 1, steps: 120, preemptions: 2, recomputes: 0, rejected: 4,
      batchSize: histogram([1, 2, 4]), queueTimeMs: histogram([10, 100]), timeToFirstTokenMs: histogram([10, 100]), interTokenMs: histogram([10, 100]),
    } satisfies SchedulerCounters;
    const metrics = createMetrics({ scheduler: s, processMetrics: false });
    let text = await metrics.text();
    assert.equal(readMetric(text, "weir_scheduler_running_sequences"), 3);
    assert.equal(readMetric(text, "weir_scheduler_waiting_sequences"), 7);
    assert.equal(readMetric(text, "weir_scheduler_preempted_sequences"), 1);
    assert.equal(readMetric(text, "weir_scheduler_steps_total"), 120);
    assert.equal(readMetric(text, "weir_scheduler_preemptions_total"), 2);
    assert.equal(readMetric(text, "weir_scheduler_rejected_total"), 4);
    assert.match(text, /# TYPE weir_scheduler_batch_size histogram/);
    assert.match(text, /# TYPE weir_scheduler_steps_total counter/);
    s.batchSize.counts.set([1, 1, 2]); s.batchSize.sum = 13; s.batchSize.count = 3; // steps of 1, 4 and 8 sequences
    s.interTokenMs.counts.set([1, 2]); s.interTokenMs.sum = 45; s.interTokenMs.count = 2;
    s.running = 0;
    text = await metrics.text();
    assert.equal(readMetric(text, "weir_scheduler_running_sequences"), 0);
    assert.match(text, /^weir_scheduler_batch_size_bucket\{le="1"\} 1$/m);
    assert.match(text, /^weir_scheduler_batch_size_bucket\{le="4"\} 2$/m);
    assert.match(text, /^weir_scheduler_batch_size_bucket\{le="\+Inf"\} 3$/m);
    assert.match(text, /^weir_scheduler_batch_size_sum 13$/m);
    assert.match(text, /^weir_scheduler_inter_token_latency_seconds_bucket\{le="0.01"\} 1$/m);
    assert.match(text, /^weir_scheduler_inter_token_latency_seconds_bucket\{le="0.1"\} 2$/m);
    assert.match(text, /^weir_scheduler_inter_token_latency_seconds_sum 0.045$/m);
    assert.match(text, /^weir_scheduler_inter_token_latency_seconds_count 2$/m);
  });
});
