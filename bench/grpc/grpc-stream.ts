/**
 * grpc-stream: server-streaming messages/s. One raw node:http2 client, the same for every server, asks
 * for 100k x 32-byte messages and counts the envelopes; a warm-up run, then the median of the runs.
 */
import { median, ratio, round } from "../lib/stats.js";
import type { BenchContext, BenchResult, Benchmark } from "../types.js";
import { compareServers } from "./compare.js";
import { STREAM_MESSAGE_BYTES, payloadSizeFor } from "./echo-fixture.js";
import { connectH2, countStream } from "./h2-probe.js";
import type { ServerChild } from "./server-child.js";

/** Runs repeat until both `minRuns` and `minSeconds` of measured streaming are reached, or `maxRuns`. */
const FULL = { messages: 100_000, warmups: 2, minRuns: 5, minSeconds: 2, maxRuns: 60 };
const SMOKE = { messages: 2_000, warmups: 0, minRuns: 1, minSeconds: 0, maxRuns: 1 };

export interface StreamFigures {
  msgs_per_s: number;
  mb_per_s: number;
  /** Median seconds per stream. */
  seconds: number;
  /** Messages/s of each measured run. */
  runs: number[];
}

export const grpcStream: Benchmark = {
  description: "gRPC server streaming (100k x 32-byte messages) counted by one raw client: Weir vs grpc-js vs bare node:http2 server",
  targets: { grpc_stream_vs_grpcjs: 15, grpc_stream_vs_raw: 0.5 },
  run: runGrpcStream,
};

async function runGrpcStream(ctx: BenchContext): Promise<BenchResult> {
  const cfg = ctx.smoke ? SMOKE : FULL;
  const size = payloadSizeFor(STREAM_MESSAGE_BYTES);
  const cmp = await compareServers(ctx, (server) => measure(server, cfg, size, ctx));
  const { weir, grpcjs, raw } = cmp.figures;
  return {
    name: "grpc-stream",
    results: cmp.results,
    ratios: {
      grpc_stream_vs_grpcjs: ratio(weir?.msgs_per_s, grpcjs?.msgs_per_s),
      grpc_stream_vs_raw: ratio(weir?.msgs_per_s, raw?.msgs_per_s),
    },
    notes: cmp.notes,
    errors: cmp.errors,
    config: { ...cfg, messageBytes: STREAM_MESSAGE_BYTES, client: "raw node:http2, counts envelopes" },
  };
}

async function measure(server: ServerChild, cfg: typeof FULL, size: number, ctx: BenchContext): Promise<StreamFigures> {
  const session = await connectH2(server.port);
  try {
    const check = await countStream(session, 10, size);
    if (check.grpcStatus !== "0" || check.messages !== 10) {
      throw new Error(`stream check: ${check.messages} of 10 messages, grpc-status ${check.grpcStatus ?? "missing"}`);
    }
    const rates: number[] = [];
    const seconds: number[] = [];
    let bytes = 0;
    let total = 0;
    for (let i = 0; i < cfg.warmups + cfg.maxRuns; i++) {
      const r = await countStream(session, cfg.messages, size);
      if (r.grpcStatus !== "0" || r.messages !== cfg.messages) {
        throw new Error(`stream run: ${r.messages} of ${cfg.messages} messages, grpc-status ${r.grpcStatus ?? "missing"}`);
      }
      if (i < cfg.warmups) continue;
      rates.push(round(r.messages / r.seconds));
      seconds.push(r.seconds);
      bytes = r.bytes;
      total += r.seconds;
      if (rates.length >= cfg.minRuns && total >= cfg.minSeconds) break;
    }
    const rate = median(rates);
    const secs = median(seconds);
    const figures: StreamFigures = { msgs_per_s: round(rate), mb_per_s: round(bytes / secs / 1e6, 3), seconds: round(secs, 3), runs: rates };
    ctx.log(`    ${figures.msgs_per_s} msgs/s (median of ${rates.length} runs, ${round(Math.min(...rates), 3)}..${round(Math.max(...rates), 3)})`);
    return figures;
  } finally {
    session.close();
  }
}
