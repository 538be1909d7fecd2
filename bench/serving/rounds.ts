/**
 * Running the serving benchmarks' loads: a predictor child, load children one after another in
 * rounds whose order alternates (so a drift in the machine's load weighs on each variant alike),
 * and the figures merged over rounds.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { startChild, type Child } from "../lib/child.js";
import { programPath } from "../lib/paths.js";
import { percentile, round, Samples } from "../lib/stats.js";
import type { LoadSpec } from "./infer-load.js";

export interface LoadFigures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  calls: number;
  client_cpu_us_per_call: number;
}

/** A predictor (predictor-child.js) with these models; resolves once it listens. */
export async function startPredictor(models: readonly Record<string, unknown>[]): Promise<{ child: Child; grpc: string; http: string }> {
  const child = startChild(programPath("serving/predictor-child.js"), [JSON.stringify({ models })], { startTimeoutMs: 60_000 });
  const ports = (await child.nextLine(60_000)) as { grpc: number; http: number };
  return { child, grpc: `127.0.0.1:${ports.grpc}`, http: `127.0.0.1:${ports.http}` };
}

/** One load child run to its end; its report. */
async function runLoad(spec: LoadSpec): Promise<{ calls: number; seconds: number; latencies_ms: number[]; cpu_us_per_call: number }> {
  const child = spawn(process.execPath, [programPath("serving/infer-load.js"), JSON.stringify(spec)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => { out += b.toString(); });
  const timer = setTimeout(() => child.kill("SIGKILL"), spec.warmupMs + spec.ms + 30_000);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`infer-load ${spec.client} ${spec.model} exited with ${code}`);
  return JSON.parse(out.trim().split("\n").pop()!) as { calls: number; seconds: number; latencies_ms: number[]; cpu_us_per_call: number };
}

/**
 * Run each variant's load `rounds` times, alternating the order (A B, B A, …); returns each
 * variant's figures over all its rounds.
 */
export async function alternate(variants: Readonly<Record<string, LoadSpec>>, rounds: number, log: (m: string) => void): Promise<Record<string, LoadFigures>> {
  const names = Object.keys(variants);
  const acc = new Map(names.map((n) => [n, { calls: 0, seconds: 0, cpu: 0, latencies: new Samples() }]));
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      const report = await runLoad(variants[name]!);
      const a = acc.get(name)!;
      a.calls += report.calls;
      a.seconds += report.seconds;
      a.cpu += report.cpu_us_per_call * report.calls;
      a.latencies.pushAll(report.latencies_ms);
      log(`  ${name}: round ${r + 1}/${rounds}: ${Math.round(report.calls / report.seconds)} calls/s`);
    }
  }
  const out: Record<string, LoadFigures> = {};
  for (const [name, a] of acc) {
    const sorted = a.latencies.sorted();
    out[name] = {
      rps: Math.round(a.calls / a.seconds), p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)),
      calls: a.calls, client_cpu_us_per_call: Math.round(a.cpu / Math.max(1, a.calls)),
    };
  }
  return out;
}
