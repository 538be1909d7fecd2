/**
 * grpc-unary: unary echo requests/s and p50/p99 latency under h2load (8 connections x 32 streams,
 * a 64-byte message) for Weir, grpc-js and a bare node:http2 server, each in its own process, loaded
 * one at a time in alternating rounds.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runH2Load } from "../lib/h2load.js";
import { Samples, ratio, round, summarizeLatency, type LatencySummary } from "../lib/stats.js";
import type { BenchContext, BenchResult, Benchmark } from "../types.js";
import { compareServers, type ServerMeasure } from "./compare.js";
import { UNARY_MESSAGE_BYTES, UNARY_PATH, encodeEchoMessage, envelope, patternBytes, payloadSizeFor } from "./echo-fixture.js";
import { connectH2, unaryOnce } from "./h2-probe.js";
import type { ServerChild } from "./server-child.js";

/** Per server: `rounds` x (`warmupSec` of load, the first round `firstWarmupSec`, then `roundSec` measured). */
const FULL = { clients: 8, streams: 32, rounds: 2, firstWarmupSec: 3, warmupSec: 1, roundSec: 5 };
const SMOKE = { clients: 2, streams: 4, rounds: 1, firstWarmupSec: 0, warmupSec: 0, roundSec: 1 };
type Config = typeof FULL;

export interface UnaryFigures extends LatencySummary {
  rps: number;
  requests: number;
  seconds: number;
}

export const grpcUnary: Benchmark = {
  description: "gRPC unary echo (64-byte message) under h2load -c 8 -m 32: Weir vs grpc-js vs bare node:http2 server",
  targets: { grpc_unary_vs_grpcjs: 1.4, grpc_unary_vs_raw: 0.9, grpc_unary_p99_grpcjs_over_weir: 1 },
  run: runGrpcUnary,
};

async function runGrpcUnary(ctx: BenchContext): Promise<BenchResult> {
  const base = ctx.smoke ? SMOKE : FULL;
  const cfg: Config = ctx.durationSec ? { ...base, roundSec: Math.max(1, Math.round(ctx.durationSec / base.rounds)) } : base;
  const body = envelope(encodeEchoMessage(patternBytes(payloadSizeFor(UNARY_MESSAGE_BYTES))));
  const dir = await mkdtemp(path.join(os.tmpdir(), "weir-bench-unary-"));
  try {
    const bodyFile = path.join(dir, "request.bin");
    await writeFile(bodyFile, body);
    const cmp = await compareServers(ctx, cfg.rounds, (server) => measureUnary(server, cfg, body, bodyFile, ctx));
    const { weir, grpcjs, raw } = cmp.figures;
    return {
      name: "grpc-unary",
      results: cmp.results,
      ratios: {
        grpc_unary_vs_grpcjs: ratio(weir?.rps, grpcjs?.rps),
        grpc_unary_vs_raw: ratio(weir?.rps, raw?.rps),
        grpc_unary_p99_grpcjs_over_weir: ratio(grpcjs?.p99_ms, weir?.p99_ms),
      },
      notes: [...cmp.notes, "grpc_unary_p99_grpcjs_over_weir is grpc-js's p99 divided by Weir's: 1 or more means Weir's p99 is no worse"],
      errors: cmp.errors,
      config: { ...cfg, messageBytes: UNARY_MESSAGE_BYTES, loadGenerator: `h2load -c ${cfg.clients} -m ${cfg.streams} -t 1` },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureUnary(server: ServerChild, cfg: Config, body: Buffer, bodyFile: string, ctx: BenchContext): Promise<ServerMeasure<UnaryFigures>> {
  await checkEcho(server, body);
  const latencies = new Samples(1 << 20);
  let requests = 0;
  let seconds = 0;
  return {
    async round(index) {
      const r = await runH2Load({
        url: `http://127.0.0.1:${server.port}${UNARY_PATH}`,
        clients: cfg.clients,
        streams: cfg.streams,
        durationSec: cfg.roundSec,
        warmupSec: index === 0 ? cfg.firstWarmupSec : cfg.warmupSec,
        bodyFile,
        headers: ["content-type: application/grpc", "te: trailers"],
        logFile: `${bodyFile}.${server.impl}.log`,
      });
      await checkEcho(server, body); // still answering correctly after the load
      if (r.failed + r.errored > 0) throw new Error(`${r.failed} failed and ${r.errored} errored requests under load`);
      latencies.pushAll(r.latenciesMs);
      requests += r.requests;
      seconds += cfg.roundSec;
      ctx.log(`    ${round(r.rps)} req/s`);
    },
    figures: () => ({ rps: round(requests / seconds), ...summarizeLatency(latencies), requests, seconds }),
  };
}

/** One call through a raw client: status 0 and the same message back, or the server is not measured. */
async function checkEcho(server: ServerChild, body: Buffer): Promise<void> {
  const session = await connectH2(server.port);
  try {
    const reply = await unaryOnce(session, body);
    if (reply.grpcStatus !== "0") throw new Error(`echo check: grpc-status ${reply.grpcStatus ?? "missing"}`);
    if (!reply.body.equals(body)) throw new Error(`echo check: reply of ${reply.body.length} bytes differs from the request`);
  } finally {
    session.close();
  }
}
