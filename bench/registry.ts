/**
 * Every benchmark `npm run bench` knows, by name, in the order they run. Adding one is one line here.
 */
import { existsSync } from "node:fs";
import { grpcClient } from "./grpc/grpc-client.js";
import { grpcStream } from "./grpc/grpc-stream.js";
import { grpcUnary } from "./grpc/grpc-unary.js";
import { BenchSkipped, type BenchResult, type Benchmark } from "./types.js";

export const BENCHMARKS: Readonly<Record<string, Benchmark>> = {
  "grpc-unary": grpcUnary,
  "grpc-stream": grpcStream,
  "grpc-client": grpcClient,
  "thrift-codec": optional("./thrift-codec.js", "runThriftCodecBench", "Thrift codecs encode/decode ops/s and Thrift-over-gRPC: Weir vs thrift npm vs protobufjs"),
};

/**
 * A benchmark whose module may not exist yet; it is skipped until it does. The module exports
 * `fn(): Promise<BenchResult>`.
 */
function optional(modulePath: string, fn: string, description: string): Benchmark {
  const url = new URL(modulePath, import.meta.url);
  return {
    description,
    async run() {
      if (!existsSync(url)) throw new BenchSkipped(`${modulePath.replace(/\.js$/, ".ts")} does not exist yet`);
      const mod = (await import(url.href)) as Record<string, unknown>;
      const run = mod[fn];
      if (typeof run !== "function") throw new BenchSkipped(`${modulePath} does not export ${fn}()`);
      return (await (run as () => Promise<BenchResult>)());
    },
  };
}
