/**
 * serving: model serving with the Open Inference Protocol, each side in a process of its own.
 * - pipeline: the transformer -> predictor example under 32 closed-loop clients, the predictor hop
 *   over REST with JSON tensors, REST with binary tensors, and gRPC with raw contents, on two
 *   workloads (see serving/pipeline.ts);
 * - batching: the MLP of test/models (FP32 [b, 256] -> [b, 16], three 2048-wide layers: ~1.3 ms at
 *   batch 1, ~2.4 ms at batch 8, on one ONNX Runtime thread) served by a Weir predictor with and
 *   without the dynamic batcher, under 64 closed-loop gRPC clients each sending batch-1 requests,
 *   and under one client (the batcher must not cost latency when there is nothing to batch);
 * - client: Weir's OIP gRPC client vs a bare node:http2 client writing one prebuilt ModelInfer
 *   message, 64 calls in flight to the same predictor's `add_sub` (the smallest model: what is
 *   measured is the client).
 */
import { modelPath } from "../test/models/models.js";
import { ratio } from "./lib/stats.js";
import { pipelineFigures } from "./serving/pipeline.js";
import { alternate, inferLoad, startPredictor, type LoadFigures } from "./serving/rounds.js";
import type { BenchContext, BenchResult, Benchmark } from "./types.js";

export const SERVING_TARGETS = Object.freeze({
  oip_grpc_vs_rest_json: 16, oip_rest_binary_vs_grpc: 0.8,
  batching_on_vs_off: 3, batched_p99_one_client_over_unbatched: 0.5, oip_grpc_client_vs_raw: 0.8,
});

interface Sizes { ms: number; warmupMs: number; rounds: number }

async function batchingFigures(ctx: BenchContext, s: Sizes): Promise<Record<string, LoadFigures>> {
  const predictor = await startPredictor([
    { name: "mlp", file: modelPath("mlp"), maxBatchSize: 64 },
    { name: "mlp_batched", file: modelPath("mlp"), maxBatchSize: 64, batching: true },
  ]);
  try {
    const load = (model: string, concurrency: number) => inferLoad({ client: "weir", target: predictor.grpc, model, inputs: "mlp", concurrency, ms: s.ms, warmupMs: s.warmupMs });
    ctx.log("serving: MLP, 64 clients, batching off and on");
    const many = await alternate({ unbatched_64: load("mlp", 64), batched_64: load("mlp_batched", 64) }, s.rounds, ctx.log);
    ctx.log("serving: MLP, one client, batching off and on");
    const one = await alternate({ unbatched_1: load("mlp", 1), batched_1: load("mlp_batched", 1) }, s.rounds, ctx.log);
    return { ...many, ...one };
  } finally {
    await predictor.child.stop();
  }
}

async function clientFigures(ctx: BenchContext, s: Sizes): Promise<Record<string, LoadFigures>> {
  const predictor = await startPredictor([{ name: "add_sub", builtin: "add_sub" }]);
  try {
    const load = (client: "weir" | "raw") => inferLoad({ client, target: predictor.grpc, model: "add_sub", inputs: "add_sub", concurrency: 64, ms: s.ms, warmupMs: s.warmupMs });
    ctx.log("serving: add_sub, 64 calls in flight, Weir's OIP client and a bare node:http2 client");
    return await alternate({ weir_client: load("weir"), raw_client: load("raw") }, s.rounds, ctx.log);
  } finally {
    await predictor.child.stop();
  }
}

export async function runServingBench(ctx: BenchContext): Promise<BenchResult> {
  const s: Sizes = ctx.smoke ? { ms: 200, warmupMs: 100, rounds: 1 } : { ms: (ctx.durationSec ?? 3) * 1000, warmupMs: 1000, rounds: 2 };
  const pipeline = await pipelineFigures(ctx, { ...s, concurrency: 32 });
  const batching = await batchingFigures(ctx, s);
  const client = await clientFigures(ctx, s);
  const ok = (name: string) => pipeline[name]!.ok_rps;
  return {
    name: "serving",
    results: { ...pipeline, ...batching, ...client },
    ratios: {
      oip_grpc_vs_rest_json: ratio(ok("token_embedding/grpc-v2"), ok("token_embedding/v2")),
      oip_rest_binary_vs_grpc: ratio(ok("token_embedding/v2-binary"), ok("token_embedding/grpc-v2")),
      oip_grpc_vs_rest_json_logits: ratio(ok("encoder/grpc-v2"), ok("encoder/v2")),
      batching_on_vs_off: ratio(batching.batched_64!.rps, batching.unbatched_64!.rps),
      // at one client the batcher has nothing to merge: its p99 must stay within 2x the unbatched one
      batched_p99_one_client_over_unbatched: ratio(batching.unbatched_1!.p99_ms, batching.batched_1!.p99_ms),
      oip_grpc_client_vs_raw: ratio(client.weir_client!.rps, client.raw_client!.rps),
    },
    config: { ...s, mlp: "FP32 [b,256] -> [b,16], 3 x 2048 hidden, 1 ONNX Runtime thread", batch_request: "[1,256]" },
  };
}

export const servingBench: Benchmark = {
  description: "Model serving over OIP v2: transformer -> predictor over REST JSON, REST binary and gRPC; dynamic batching on vs off; Weir's OIP gRPC client vs a bare node:http2 client",
  targets: SERVING_TARGETS,
  run: runServingBench,
};
