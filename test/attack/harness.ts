// Tools of the attack tests: a well-behaved client's latency while an attack runs, and the
// attacked process's memory and CPU from /proc. Every wait is bounded; nothing here sleeps to
// synchronise (the probe's interval is its sampling rate).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { onceWithin } from "../helpers/wait.js";

/** dist/test/attack/, where the attacker scripts are. */
const HERE = path.dirname(fileURLToPath(import.meta.url));

/** What a probe saw: each request's latency in ms, and the failures. */
export interface ProbeReport {
  readonly latencies: readonly number[];
  readonly failures: readonly string[];
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The q-quantile (0..1) of `values` (nearest rank); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Summarise latencies and failures. */
export function report(latencies: readonly number[], failures: readonly string[]): ProbeReport {
  return { latencies, failures, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(0, ...latencies) };
}

export interface ProbeOptions {
  /** Time between the end of one request and the start of the next, ms. Default 20. */
  readonly everyMs?: number;
  /** One request is failed (and counted at this latency) after this many ms. Default 5000. */
  readonly requestTimeoutMs?: number;
}

/**
 * A well-behaved client: calls `request` one at a time until `signal` aborts, and reports the
 * latency of each. A request that throws or takes longer than `requestTimeoutMs` is a failure.
 *
 * @example
 * const stop = new AbortController();
 * const probing = probe(() => fetch(`${url}/healthz`).then(assertOk), stop.signal);
 * await attack(); stop.abort();
 * const r = await probing; assert.ok(r.p99 < 250);
 */
export async function probe(request: (signal: AbortSignal) => Promise<unknown>, signal: AbortSignal, o: ProbeOptions = {}): Promise<ProbeReport> {
  const everyMs = o.everyMs ?? 20;
  const timeoutMs = o.requestTimeoutMs ?? 5000;
  const latencies: number[] = [];
  const failures: string[] = [];
  while (!signal.aborted) {
    const start = performance.now();
    try {
      await request(AbortSignal.timeout(timeoutMs));
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
    latencies.push(performance.now() - start);
    await delay(everyMs, undefined, { signal }).catch(() => undefined);
  }
  return report(latencies, failures);
}

/** Resident set size of process `pid` now, in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  return statusKiB(pid, "VmRSS") / 1024;
}

/** Peak resident set size of process `pid` so far, in MiB (VmHWM). */
export function peakRssMiB(pid: number): number {
  return statusKiB(pid, "VmHWM") / 1024;
}

/** CPU time (user + system) process `pid` has used so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return (ticks * 1000) / CLOCK_TICKS;
}

/** Open file descriptors of process `pid` (sockets included). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks; 100 on Linux on every architecture Node supports. */
const CLOCK_TICKS = 100;

function statusKiB(pid: number, key: string): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(text);
  if (!m) throw new Error(`no ${key} in /proc/${pid}/status`);
  return Number(m[1]);
}

export { until } from "../helpers/wait.js";

/**
 * Run `dist/test/attack/<script>` with `args` in a child process (so that the attack's own CPU
 * use never delays the measuring client), and resolve with the JSON it prints last. The child is
 * killed, and the promise rejects, after `timeoutMs`.
 */
export async function runAttacker(script: string, args: readonly string[], timeoutMs: number): Promise<unknown> {
  const child = spawn(process.execPath, [path.join(HERE, script), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => { out += b.toString(); });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const [code, signal] = (await onceWithin(child, "exit", timeoutMs + 5000)) as [number | null, string | null];
    if (code !== 0) throw new Error(`attacker ${script} ended with ${code ?? signal}`);
    const last = out.trim().split("\n").at(-1) ?? "";
    return JSON.parse(last) as unknown;
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/**
 * Run well-behaved `requests` (each in its own `probe`) for as long as `attack` runs; resolves
 * with one report per request and what the attack resolved with.
 */
export async function probeDuring(attack: Promise<unknown>, requests: readonly ((signal: AbortSignal) => Promise<unknown>)[], o: ProbeOptions = {}): Promise<{ reports: ProbeReport[]; attack: unknown }> {
  const stop = new AbortController();
  const probes = requests.map((r) => probe(r, stop.signal, o));
  try {
    const result = await attack;
    stop.abort();
    return { reports: await Promise.all(probes), attack: result };
  } finally {
    stop.abort();
  }
}
