import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Code } from "../../core/index.js";
import { tensor, type Tensor } from "../tensor.js";
import type { Model } from "../model.js";
import { batchModel } from "./batcher.js";
import { ctxOf, errorOf, rowwiseModel } from "./batcher.fixtures.js";
import { createManualClock } from "./clock.js";

/** One request of a random run: its rows, its shape group, when it comes, its priority, whether it leaves. */
interface Arrival { rows: number; wide: boolean; gapMicros: number; priority: number; leaves: boolean; seed: number }

const arrival = (maxRows: number) => fc.record({
  rows: fc.integer({ min: 1, max: maxRows }),
  wide: fc.boolean(),
  gapMicros: fc.constantFrom(0, 0, 10, 60, 250),
  priority: fc.integer({ min: 0, max: 2 }),
  leaves: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
  seed: fc.integer({ min: -1000, max: 1000 }),
});

const scenario = fc.integer({ min: 1, max: 8 }).chain((maxBatchSize) => fc.record({
  maxBatchSize: fc.constant(maxBatchSize),
  preferred: fc.subarray(Array.from({ length: maxBatchSize }, (_, i) => i + 1), { maxLength: Math.min(2, maxBatchSize) }),
  delay: fc.constantFrom(0, 50, 500),
  levels: fc.constantFrom(0, 2),
  costMicros: fc.constantFrom(20, 100),
  arrivals: fc.array(arrival(Math.min(3, maxBatchSize)), { minLength: 1, maxLength: 16 }),
}));

/** The inputs of an arrival: F (FP32), B (BYTES) and I (INT64), two widths per shape group. */
function inputsOf(a: Arrival): Tensor[] {
  const k = a.wide ? 3 : 1, m = a.wide ? 2 : 1, j = 2;
  const f = new Float32Array(a.rows * k).map((_, i) => a.seed + i / 4);
  const b = Array.from({ length: a.rows * m }, (_, i) => new TextEncoder().encode(`r${a.seed}-${i}${"x".repeat(i % 3)}`));
  const n = new BigInt64Array(a.rows * j).map((_, i) => BigInt(a.seed * 7 + i));
  return [tensor("F", "FP32", [a.rows, k], f), tensor("B", "BYTES", [a.rows, m], b), tensor("I", "INT64", [a.rows, j], n)];
}

describe("dynamic batcher: every request gets what it would get alone", { timeout: 120_000 }, () => {
  it("for random shapes, sizes, arrivals, priorities, preferred sizes and departures", async () => {
    let merged = 0;
    await fc.assert(fc.asyncProperty(scenario, async (s) => {
      const clock = createManualClock();
      const plain = rowwiseModel({}, s.maxBatchSize);
      const db = { maxQueueDelayMicroseconds: s.delay, preferredBatchSize: s.preferred, priorityLevels: s.levels, defaultPriorityLevel: s.levels === 0 ? undefined : 1 };
      const slow: Model = {
        config: { ...plain.config, dynamicBatching: db },
        infer: (inputs, ctx) => new Promise((resolve) => clock.setTimer(() => resolve(plain.infer(inputs, ctx)), s.costMicros)),
      };
      const model = batchModel(slow, { clock });
      const answers: Promise<unknown>[] = [];
      for (const a of s.arrivals) {
        await clock.advance(a.gapMicros);
        const ctx = ctxOf({ priority: a.priority });
        const answer = model.infer(inputsOf(a), ctx);
        answers.push(a.leaves ? errorOf(answer) : answer);
        if (a.leaves) ctx.controller.abort();
      }
      for (let i = 0; i < 200 && (model.stats().queued > 0 || model.stats().running > 0); i++) await clock.advance(1000);
      const results = await Promise.all(answers);
      s.arrivals.forEach((a, i) => {
        if (a.leaves) assert.equal((results[i] as { code: Code }).code, Code.Canceled);
        else assert.deepStrictEqual(results[i], plain.infer(inputsOf(a), ctxOf()));
      });
      const st = model.stats();
      assert.equal(st.queued + st.running, 0);
      merged += st.requests - st.batches;
    }), { numRuns: 200 });
    assert.ok(merged > 0, "some runs joined requests");
  });
});
