/**
 * grpc-stream: server-streaming messages/s. One raw node:http2 client, the same for every server, asks
 * for 100k x 32-byte messages and counts the envelopes. Servers take turns in alternating rounds; the
 * figure is the median over every measured stream.
 */
import type http2 from "node:http2";
import { median, ratio, round } from "../lib/stats.js";
import type { BenchContext, BenchResult, Benchmark } from "../types.js";
import { compareServers, type ServerMeasure } from "./compare.js";
import { STREAM_MESSAGE_BYTES, payloadSizeFor } from "./echo-fixture.js";
import { connectH2, countStream } from "./h2-probe.js";
import type { ServerChild } from "./server-child.js";

/**
 * `warmups` streams before the first round; then `rounds` rounds, in each of which a server streams
 * until it has done `minRunsPerRound` and `secondsPerRound` of streaming (at most `maxRunsPerRound`).
 */
const FULL = { messages: 100_000, warmups: 2, rounds: 5, minRunsPerRound: 1, secondsPerRound: 0.4, maxRunsPerRound: 20 };
const SMOKE = { messages: 2_000, warmups: 0, rounds: 1, minRunsPerRound: 1, secondsPerRound: 0, maxRunsPerRound: 1 };
type Config = typeof FULL;

export interface StreamFigures {
  /** Median messages/s over the measured streams. */
  msgs_per_s: number;
  mb_per_s: number;
  /** Median seconds per stream. */
  seconds: number;
  streams: number;
  min_msgs_per_s: number;
  max_msgs_per_s: number;
}

export const grpcStream: Benchmark = {
  description: "gRPC server streaming (100k x 32-byte messages) counted by one raw client: Weir vs grpc-js vs bare node:http2 server",
  targets: { grpc_stream_vs_grpcjs: 15, grpc_stream_vs_raw: 0.5 },
  run: runGrpcStream,
};

async function runGrpcStream(ctx: BenchContext): Promise<BenchResult> {
  const cfg = ctx.smoke ? SMOKE : FULL;
  const cmp = await compareServers(ctx, cfg.rounds, (server) => measureStream(server, cfg, ctx));
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

async function measureStream(server: ServerChild, cfg: Config, ctx: BenchContext): Promise<ServerMeasure<StreamFigures>> {
  const size = payloadSizeFor(STREAM_MESSAGE_BYTES);
  const session = await connectH2(server.port);
  const stream = async (count: number): Promise<{ seconds: number; bytes: number }> => {
    const r = await countStream(session, count, size);
    if (r.grpcStatus !== "0" || r.messages !== count) {
      throw new Error(`stream of ${count}: got ${r.messages} messages, grpc-status ${r.grpcStatus ?? "missing"}`);
    }
    return r;
  };
  const rates: number[] = [];
  const seconds: number[] = [];
  let bytes = 0;
  try {
    await stream(10);
    for (let i = 0; i < cfg.warmups; i++) await stream(cfg.messages);
  } catch (e) {
    session.close();
    throw e;
  }
  return {
    async round() {
      let spent = 0;
      let runs = 0;
      while (runs < cfg.maxRunsPerRound && (runs < cfg.minRunsPerRound || spent < cfg.secondsPerRound)) {
        const r = await stream(cfg.messages);
        rates.push(cfg.messages / r.seconds);
        seconds.push(r.seconds);
        bytes = r.bytes;
        spent += r.seconds;
        runs++;
      }
      ctx.log(`    ${round(median(rates.slice(-runs)))} msgs/s (median of ${runs})`);
    },
    close: () => closeSession(session),
    figures: () => {
      const secs = median(seconds);
      return {
        msgs_per_s: round(median(rates)),
        mb_per_s: round(bytes / secs / 1e6, 3),
        seconds: round(secs, 3),
        streams: rates.length,
        min_msgs_per_s: round(Math.min(...rates)),
        max_msgs_per_s: round(Math.max(...rates)),
      };
    },
  };
}

function closeSession(session: http2.ClientHttp2Session): void {
  if (!session.closed) session.close();
}
