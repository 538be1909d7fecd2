/**
 * batching: the dynamic batcher in one process, 64 closed-loop callers, no network.
 * - fixed cost: a model whose every call takes 1 ms of wall time whatever its rows (the shape of a
 *   runtime that runs a small batch on its own threads about as fast as one row), one call at a
 *   time as one model instance runs, without batching (maxBatchSize 1) and with it (64): what
 *   batching buys.
 * - zero cost: a model that answers at once, called directly vs through the batcher: what the queue,
 *   the abort listener, the concatenation of inputs and the split of outputs cost per request.
 */
import { batchModel, isBatched } from "../src/serving/batching/index.js";
import { defineModel, type Model, type ModelConfig } from "../src/serving/repository/index.js";
import { tensor, type Tensor } from "../src/serving/oip/index.js";
import { percentile, ratio, round, Samples } from "./lib/stats.js";
import type { BenchResult, Benchmark } from "./types.js";

export interface BatchingBenchOptions {
  /** Measured time per variant, in ms. Default 2000. */
  durationMs?: number;
  /** Callers, each with one request in flight. Default 64. */
  concurrency?: number;
  /** Wall time of one call of the fixed-cost model, in ms. Default 1. */
  costMs?: number;
}

const WIDTH = 64;

function config(name: string, maxBatchSize: number): ModelConfig {
  return {
    name, maxBatchSize, dynamicBatching: {},
    inputs: [{ name: "x", datatype: "FP32", shape: [WIDTH] }], outputs: [{ name: "y", datatype: "FP32", shape: [WIDTH] }],
  };
}

/** y = x, after `costMs` of wall time (0: at once). */
function model(name: string, costMs: number, maxBatchSize = 64): Model {
  const echo = (inputs: readonly Tensor[]) => [{ ...inputs[0]!, name: "y" }];
  return defineModel(config(name, maxBatchSize), costMs === 0 ? echo : (inputs) => new Promise((resolve) => setTimeout(() => resolve(echo(inputs)), costMs)));
}

async function closedLoop(m: Model, o: Required<BatchingBenchOptions>): Promise<Record<string, number>> {
  const input = [tensor("x", "FP32", [1, WIDTH], new Float32Array(WIDTH).fill(1))];
  const latencies = new Samples();
  const end = performance.now() + o.durationMs;
  let done = 0;
  const caller = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      const out = await m.infer(input, { signal: new AbortController().signal, parameters: {}, outputs: undefined });
      if (out[0]!.data.length !== WIDTH) throw new Error("wrong answer");
      latencies.push(performance.now() - started);
      done++;
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: o.concurrency }, caller));
  const sorted = latencies.sorted();
  return { rps: round(done / ((performance.now() - began) / 1000)), p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)) };
}

export async function runBatchingBench(options: BatchingBenchOptions = {}): Promise<BenchResult> {
  const o = { durationMs: 2000, concurrency: 64, costMs: 1, ...options };
  const results: Record<string, Record<string, number>> = {};
  const variants: [string, Model][] = [
    ["fixed_cost_unbatched", batchModel(model("fixed_cost", o.costMs, 1))],
    ["fixed_cost_batched", batchModel(model("fixed_cost", o.costMs))],
    ["zero_cost_direct", model("zero_cost", 0)],
    ["zero_cost_batched", batchModel(model("zero_cost", 0))],
  ];
  for (const [key, m] of variants) {
    results[key] = await closedLoop(m, o);
    if (isBatched(m)) results[key]!.mean_batch = round(m.stats().rows / m.stats().batches);
    await m.close?.();
  }
  return {
    name: "batching",
    results,
    ratios: {
      batching_fixed_cost_on_vs_off: ratio(results.fixed_cost_batched!.rps, results.fixed_cost_unbatched!.rps),
      batching_zero_cost_on_vs_off: ratio(results.zero_cost_batched!.rps, results.zero_cost_direct!.rps),
    },
    notes: [
      `${o.concurrency} callers in one process, one request of 1 x ${WIDTH} FP32 each in flight; the fixed-cost model takes ${o.costMs} ms per call (a timer), whatever its rows`,
      "unbatched = through batchModel with maxBatchSize 1 (one request per call, one call at a time, as one instance runs); batched = maxBatchSize 64, no queue delay, one instance; direct = the model called as is",
      "the zero-cost ratio is the batcher's own cost per request: a good part of it is Node's addEventListener/removeEventListener on the request's AbortSignal, which a queued request needs to leave the queue at once",
    ],
    config: o,
  };
}

export const batchingBench: Benchmark = {
  description: "Dynamic batcher in one process, 64 callers: a 1 ms-per-call model and a zero-cost model, direct vs batched",
  run: (ctx) => runBatchingBench(ctx.smoke ? { durationMs: 100, concurrency: 8 } : { durationMs: (ctx.durationSec ?? 2) * 1000 }),
};
