/**
 * Every benchmark `npm run bench` knows, by name, in the order they run. Adding one is one line here.
 */
import { runThriftCodecBench } from "./thrift-codec.js";
import { runTtheaderBench } from "./ttheader.js";
import { grpcClient } from "./grpc/grpc-client.js";
import { grpcStream } from "./grpc/grpc-stream.js";
import { grpcUnary } from "./grpc/grpc-unary.js";
import { governanceBench } from "./governance.js";
import { GATEWAY_BENCH_SMOKE, GATEWAY_TARGETS, runGatewayBench } from "./gateway.js";
import { batchingBench } from "./batching.js";
import { servingBench } from "./serving.js";
import { generationBench } from "./generation.js";
import type { Benchmark } from "./types.js";

export const BENCHMARKS: Readonly<Record<string, Benchmark>> = {
  "grpc-unary": grpcUnary,
  "grpc-stream": grpcStream,
  "grpc-client": grpcClient,
  "thrift-codec": {
    description: "Thrift codecs, encode/decode ops/s of an LLM request: Weir binary and compact vs thrift npm vs protobufjs",
    targets: { thrift_binary_encode_vs_protobufjs: 1.2, thrift_binary_decode_vs_protobufjs: 1.2, thrift_compact_encode_vs_thrift_npm: 5, thrift_compact_decode_vs_thrift_npm: 5 },
    run: (ctx) => runThriftCodecBench(ctx.smoke ? { durationMs: 30 } : {}),
  },
  ttheader: {
    description: "Unary requests/s on a Weir server: TTHeader, framed, gRPC with Thrift vs gRPC with Protobuf",
    run: (ctx) => runTtheaderBench(ctx.smoke ? { durationMs: 200, concurrency: 4 } : { durationMs: (ctx.durationSec ?? 3) * 1000 }),
  },
  governance: governanceBench,
  batching: batchingBench,
  serving: servingBench,
  generation: generationBench,
  gateway: { description: "LLM path through the gateway: SSE vs direct gRPC tokens/s, SseWriter vs bare node:http, 1,000 SSE streams at 20 tokens/s", targets: GATEWAY_TARGETS, run: (ctx) => runGatewayBench(ctx.smoke ? GATEWAY_BENCH_SMOKE : { profileDir: ctx.profileDir }) },
};
