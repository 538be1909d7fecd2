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
  client_cpu_us_per_call?: number;
  /** HTTP loads: answers by status over every round. */
  statuses?: Record<string, number>;
}

/** What one run of a load child reports. */
export interface LoadReport {
  calls: number;
  seconds: number;
  latencies_ms: number[];
  cpu_us_per_call?: number;
  statuses?: Record<string, number>;
}

/** A predictor (predictor-child.js) with these models; resolves once it listens. */
export async function startPredictor(models: readonly Record<string, unknown>[]): Promise<{ child: Child; grpc: string; http: string }> {
  const child = startChild(programPath("serving/predictor-child.js"), [JSON.stringify({ models })], { startTimeoutMs: 60_000 });
  const ports = (await child.nextLine(60_000)) as { grpc: number; http: number };
  return { child, grpc: `127.0.0.1:${ports.grpc}`, http: `127.0.0.1:${ports.http}` };
}

/** Run `program` (under dist/bench/) with `spec` as argv[2] to its end; its last line, as a report. */
export async function runLoadChild(program: string, spec: { readonly ms: number; readonly warmupMs: number }): Promise<LoadReport> {
  const child = spawn(process.execPath, [programPath(program), JSON.stringify(spec)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => { out += b.toString(); });
  const timer = setTimeout(() => child.kill("SIGKILL"), spec.warmupMs + spec.ms + 60_000);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${program} exited with ${code}`);
  return JSON.parse(out.trim().split("\n").pop()!) as LoadReport;
}

/** An OIP inference load (infer-load.js). */
export const inferLoad = (spec: LoadSpec) => (): Promise<LoadReport> => runLoadChild("serving/infer-load.js", spec);

/**
 * Run each variant's load `rounds` times, alternating the order (A B, B A, …); returns each
 * variant's figures over all its rounds.
 */
export async function alternate(variants: Readonly<Record<string, () => Promise<LoadReport>>>, rounds: number, log: (m: string) => void): Promise<Record<string, LoadFigures>> {
  const names = Object.keys(variants);
  const acc = new Map(names.map((n) => [n, { calls: 0, seconds: 0, cpu: 0, latencies: new Samples(), statuses: undefined as Record<string, number> | undefined }]));
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      const report = await variants[name]!();
      const a = acc.get(name)!;
      a.calls += report.calls;
      a.seconds += report.seconds;
      if (report.cpu_us_per_call !== undefined) a.cpu += report.cpu_us_per_call * report.calls;
      if (report.statuses !== undefined) {
        a.statuses ??= {};
        for (const [k, v] of Object.entries(report.statuses)) a.statuses[k] = (a.statuses[k] ?? 0) + v;
      }
      a.latencies.pushAll(report.latencies_ms);
      log(`  ${name}: round ${r + 1}/${rounds}: ${Math.round(report.calls / report.seconds)} calls/s`);
    }
  }
  const out: Record<string, LoadFigures> = {};
  for (const [name, a] of acc) {
    const sorted = a.latencies.sorted();
    out[name] = {
      rps: Math.round(a.calls / a.seconds), p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)),
      calls: a.calls,
      ...(a.cpu > 0 ? { client_cpu_us_per_call: Math.round(a.cpu / Math.max(1, a.calls)) } : {}),
      ...(a.statuses !== undefined ? { statuses: a.statuses } : {}),
    };
  }
  return out;
}
