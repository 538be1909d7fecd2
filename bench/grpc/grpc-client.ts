/**
 * grpc-client: Weir's client vs grpc-js's client, 64 unary echo calls in flight, against the same bare
 * node:http2 echo server. The server and each client run in their own processes; the clients take
 * turns in alternating rounds (Weir, grpc-js, grpc-js, Weir), a fresh process each turn.
 *
 * node:http2 on both ends sends what a turn of the event loop produced in one batch, so the client and
 * the server mostly answer each other in turn: a call's wall time is about client CPU + server CPU, and
 * the server's share narrows the calls/s ratio. Each client's CPU time per call is reported alongside.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startChild } from "../lib/child.js";
import { interleave, type Subject } from "../lib/interleave.js";
import { programPath } from "../lib/paths.js";
import { Samples, ratio, round, summarizeLatency, type LatencySummary } from "../lib/stats.js";
import type { BenchContext, BenchResult, Benchmark } from "../types.js";
import type { ClientFigures } from "./clients/recorder.js";
import { UNARY_MESSAGE_BYTES } from "./echo-fixture.js";
import { startServerChild } from "./server-child.js";

/** Per client: `rounds` x (a new process, `warmupSec` of calls, then `roundSec` measured). */
const FULL = { concurrency: 64, rounds: 2, warmupSec: 2, roundSec: 5 };
const SMOKE = { concurrency: 8, rounds: 1, warmupSec: 0, roundSec: 0.5 };
type Config = typeof FULL;
type ClientImpl = "weir" | "grpcjs";

export interface ClientTotals extends LatencySummary {
  rps: number;
  calls: number;
  seconds: number;
  /** Client CPU time per call over every round, in µs: what the client costs, whatever the server's share. */
  cpu_us_per_call: number;
}

export const grpcClient: Benchmark = {
  description: "gRPC unary echo calls/s from 64 concurrent calls: Weir's client vs grpc-js's client, same bare node:http2 server",
  targets: { grpc_client_vs_grpcjs: 2 },
  run: runGrpcClient,
};

async function runGrpcClient(ctx: BenchContext): Promise<BenchResult> {
  const base = ctx.smoke ? SMOKE : FULL;
  const cfg: Config = ctx.durationSec ? { ...base, roundSec: ctx.durationSec / base.rounds } : base;
  const dir = await mkdtemp(path.join(os.tmpdir(), "weir-bench-client-"));
  const server = await startServerChild("raw", { cpuProfileDir: ctx.profileDir });
  try {
    const spec = (key: ClientImpl, label: string) => ({
      key, label,
      open: async () => clientSubject(key, server.port, cfg, dir, ctx),
    });
    const cmp = await interleave(ctx, [spec("weir", "weir"), spec("grpcjs", "grpc-js")], cfg.rounds);
    return {
      name: "grpc-client",
      results: cmp.results,
      ratios: { grpc_client_vs_grpcjs: ratio(cmp.figures.weir?.rps, cmp.figures.grpcjs?.rps) },
      notes: cmp.notes,
      errors: cmp.errors,
      config: { ...cfg, messageBytes: UNARY_MESSAGE_BYTES, server: "bare node:http2 echo server" },
    };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function clientSubject(impl: ClientImpl, port: number, cfg: Config, dir: string, ctx: BenchContext): Subject<ClientTotals> {
  const latencies = new Samples(1 << 20);
  let calls = 0;
  let seconds = 0;
  let cpuUs = 0;
  return {
    async round(index) {
      const file = path.join(dir, `${impl}-${index}.f64`);
      const f = await runClientChild(impl, port, cfg, file, ctx.profileDir);
      if (f.errors > 0) throw new Error(`${f.errors} calls failed`);
      const buf = await readFile(file);
      latencies.pushAll(new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8));
      calls += f.calls;
      seconds += f.seconds;
      cpuUs += f.cpu_us_per_call * f.calls;
      ctx.log(`    ${f.rps} calls/s, ${f.cpu_us_per_call} µs CPU per call`);
    },
    figures: () => ({
      rps: round(calls / seconds), ...summarizeLatency(latencies), calls, seconds: round(seconds, 3),
      cpu_us_per_call: round(cpuUs / calls, 3),
    }),
    close: async () => {},
  };
}

async function runClientChild(impl: ClientImpl, port: number, cfg: Config, latencyFile: string, cpuProfileDir: string | undefined): Promise<ClientFigures> {
  const nodeFlags = cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=${impl}-client-${Date.now()}.cpuprofile`] : [];
  const args = [String(port), String(cfg.concurrency), String(cfg.warmupSec * 1000), String(cfg.roundSec * 1000), latencyFile];
  const child = startChild(programPath("grpc/clients/client-main.js"), [impl, ...args], { nodeFlags });
  try {
    const figures = (await child.nextLine((cfg.warmupSec + cfg.roundSec + 30) * 1000)) as unknown as ClientFigures;
    await child.exited(10_000); // it exits by itself after reporting, writing its CPU profile if asked to
    return figures;
  } finally {
    await child.stop();
  }
}
