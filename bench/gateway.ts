/**
 * gateway: the LLM path through Weir's HTTP gateway.
 *
 * - End to end: tokens/s of one unthrottled generation read as SSE through the gateway vs read
 *   straight from the model server as a gRPC stream, and time to first token on both paths
 *   (`gateway_sse_vs_grpc_stream` = gateway tokens/s ÷ gRPC tokens/s). `added_us_per_token` is
 *   the extra time each token costs at full speed through the gateway hop.
 * - SSE writer: events/s of Weir's SseWriter vs a bare node:http loop writing the same bytes
 *   (`sse_writer_vs_raw`, target >= 0.9).
 * - Concurrency: 1,000 SSE streams at 20 tokens/s each through the gateway (arriving over 2 s,
 *   200 tokens each, so all 1,000 run together for 8 s); p99 of the delay of a token beyond the
 *   engine's 50 ms interval (target < 50 ms).
 *
 * Model server, gateway and SSE server each run in their own process; clients run here.
 */
import { startChild, type Child } from "./lib/child.js";
import { programPath } from "./lib/paths.js";
import { ratio, round } from "./lib/stats.js";
import { measureConcurrency, type ConcurrencyConfig } from "./gateway/concurrency.js";
import { measureSseWriter, type SseWriterConfig } from "./gateway/sse-writer.js";
import { measureThroughput, type ThroughputConfig } from "./gateway/throughput.js";
import type { BenchResult } from "./types.js";

export interface GatewayBenchOptions {
  readonly throughput?: ThroughputConfig;
  readonly sseWriter?: SseWriterConfig;
  readonly concurrency?: ConcurrencyConfig;
  /** Folder for CPU profiles of the child processes. Default none. */
  readonly profileDir?: string;
}

export const GATEWAY_BENCH_FULL: Required<Omit<GatewayBenchOptions, "profileDir">> = {
  throughput: { tokens: 50_000, rounds: 4, ttftRequests: 50 },
  sseWriter: { events: 300_000, rounds: 10 },
  concurrency: { streams: 1000, tokens: 200, tokensPerSecond: 20, rampMs: 2000 },
};

export const GATEWAY_BENCH_SMOKE: Required<Omit<GatewayBenchOptions, "profileDir">> = {
  throughput: { tokens: 500, rounds: 1, ttftRequests: 2 },
  sseWriter: { events: 2_000, rounds: 1 },
  concurrency: { streams: 10, tokens: 5, tokensPerSecond: 50 },
};

export const GATEWAY_TARGETS = Object.freeze({ sse_writer_vs_raw: 0.9 });

async function started(name: string, args: readonly string[], profileDir: string | undefined): Promise<{ child: Child; port: number }> {
  const nodeFlags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=gateway-bench-${name}-${Date.now()}.cpuprofile`] : [];
  const child = startChild(programPath(`gateway/${name}.js`), args, { nodeFlags });
  try {
    return { child, port: Number((await child.nextLine()).port) };
  } catch (e) {
    await child.stop();
    throw e;
  }
}

/** A model server (at `tokensPerSecond`) and a gateway in front of it, for the duration of `fn`. */
async function withPipeline<T>(tokensPerSecond: number, profileDir: string | undefined, fn: (modelPort: number, gatewayPort: number) => Promise<T>): Promise<T> {
  const model = await started("model-child", [String(tokensPerSecond)], profileDir);
  try {
    const gateway = await started("gateway-child", [`127.0.0.1:${model.port}`], profileDir);
    try {
      return await fn(model.port, gateway.port);
    } finally {
      await gateway.child.stop();
    }
  } finally {
    await model.child.stop();
  }
}

/** Run the three measurements; see the file comment. */
export async function runGatewayBench(options: GatewayBenchOptions = {}): Promise<BenchResult> {
  const cfg = { ...GATEWAY_BENCH_FULL, ...options };
  const errors: string[] = [];
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (e) {
      errors.push(`${what}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const tp = await attempt("end to end", () => withPipeline(0, options.profileDir, (m, g) => measureThroughput(m, g, cfg.throughput)));
  const sse = await attempt("sse writer", async () => {
    const server = await started("sse-child", [], options.profileDir);
    try {
      return await measureSseWriter(server.port, cfg.sseWriter);
    } finally {
      await server.child.stop();
    }
  });
  const conc = await attempt("concurrency", () =>
    withPipeline(cfg.concurrency.tokensPerSecond, options.profileDir, (_m, g) => measureConcurrency(g, cfg.concurrency)));
  const addedUs = tp ? round(1e6 / tp.gateway.tokens_per_s - 1e6 / tp.grpc.tokens_per_s, 3) : undefined;
  return {
    name: "gateway",
    results: {
      "gateway-sse": tp ? { ...tp.gateway, added_us_per_token: addedUs, added_ttft_ms: round(tp.gateway.ttft_p50_ms - tp.grpc.ttft_p50_ms, 3) } : {},
      "grpc-stream": tp?.grpc ?? {},
      "sse-writer": sse?.writer ?? {},
      "node:http-sse": sse?.raw ?? {},
      [`sse-${cfg.concurrency.streams}-streams`]: conc ?? {},
    },
    ratios: {
      gateway_sse_vs_grpc_stream: ratio(tp?.gateway.tokens_per_s, tp?.grpc.tokens_per_s),
      sse_writer_vs_raw: ratio(sse?.writer.events_per_s, sse?.raw.events_per_s),
    },
    notes: conc && conc.p99_inter_token_delay_ms >= 50 ? [`p99 inter-token delay ${conc.p99_inter_token_delay_ms} ms misses the 50 ms target`] : [],
    errors,
    config: { ...cfg, engine: "built-in n-gram engine, greedy", client: "raw node:http (SSE), Weir gRPC client (direct)" },
  };
}
