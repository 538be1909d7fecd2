/**
 * grpc-client: Weir's client vs grpc-js's client, 64 unary echo calls in flight, against the same bare
 * node:http2 echo server. Server and each client run in their own processes.
 */
import { startChild } from "../lib/child.js";
import { programPath } from "../lib/paths.js";
import { ratio } from "../lib/stats.js";
import type { BenchContext, BenchResult, Benchmark } from "../types.js";
import type { ClientFigures } from "./clients/recorder.js";
import { weirUnavailable } from "./weir-modules.js";
import { UNARY_MESSAGE_BYTES } from "./echo-fixture.js";
import { startServerChild } from "./server-child.js";

const FULL = { concurrency: 64, warmupSec: 2, durationSec: 10 };
const SMOKE = { concurrency: 8, warmupSec: 0, durationSec: 0.5 };
const CLIENT_IMPLS = [["weir", "weir"], ["grpcjs", "grpc-js"]] as const;

export const grpcClient: Benchmark = {
  description: "gRPC unary echo calls/s from 64 concurrent calls: Weir's client vs grpc-js's client, same bare node:http2 server",
  targets: { grpc_client_vs_grpcjs: 2 },
  run: runGrpcClient,
};

async function runGrpcClient(ctx: BenchContext): Promise<BenchResult> {
  const cfg = { ...(ctx.smoke ? SMOKE : FULL), ...(ctx.durationSec ? { durationSec: ctx.durationSec } : {}) };
  const results: Record<string, unknown> = {};
  const figures: Partial<Record<"weir" | "grpcjs", ClientFigures>> = {};
  const notes: string[] = [];
  const errors: string[] = [];
  const server = await startServerChild("raw");
  try {
    for (const [impl, label] of CLIENT_IMPLS) {
      const why = impl === "weir" ? weirUnavailable("client") : undefined;
      if (why) { notes.push(why); continue; }
      ctx.log(`  ${label} client`);
      try {
        const f = await runClientChild(impl, server.port, cfg, impl === "weir" ? ctx.profileDir : undefined);
        if (f.errors > 0) throw new Error(`${f.errors} calls failed`);
        figures[impl] = f;
        results[label] = f;
        ctx.log(`    ${f.rps} calls/s, p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms`);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        errors.push(`${label}: ${message}`);
        results[label] = { error: message.split("\n")[0] };
      }
    }
  } finally {
    await server.stop();
  }
  return {
    name: "grpc-client",
    results,
    ratios: { grpc_client_vs_grpcjs: ratio(figures.weir?.rps, figures.grpcjs?.rps) },
    notes,
    errors,
    config: { ...cfg, messageBytes: UNARY_MESSAGE_BYTES, server: "bare node:http2 echo server" },
  };
}

async function runClientChild(impl: string, port: number, cfg: typeof FULL, cpuProfileDir: string | undefined): Promise<ClientFigures> {
  const nodeFlags = cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=${impl}-client-${Date.now()}.cpuprofile`] : [];
  const args = [String(port), String(cfg.concurrency), String(cfg.warmupSec * 1000), String(cfg.durationSec * 1000)];
  const child = startChild(programPath("grpc/clients/client-main.js"), [impl, ...args], { nodeFlags });
  try {
    const figures = (await child.nextLine((cfg.warmupSec + cfg.durationSec + 30) * 1000)) as unknown as ClientFigures;
    await child.exited(10_000); // it exits by itself after reporting, writing its CPU profile if asked to
    return figures;
  } finally {
    await child.stop();
  }
}
