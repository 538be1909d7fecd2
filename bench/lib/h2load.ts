/**
 * Runs h2load (Debian's nghttp2-client) and reads its results: throughput from its summary, and
 * p50/p99 latency computed from its per-request log, since h2load itself prints only min/max/mean/sd.
 */
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Samples } from "./stats.js";

export const H2LOAD = process.env["H2LOAD"] ?? "/usr/bin/h2load";

export interface H2LoadOptions {
  readonly url: string;
  /** Connections (`-c`). */
  readonly clients: number;
  /** Concurrent streams per connection (`-m`). */
  readonly streams: number;
  /** Measured seconds (`-D`). */
  readonly durationSec: number;
  /** Seconds of load before measuring (`--warm-up-time`); 0 for none. */
  readonly warmupSec: number;
  /** The request body (`-d`); makes every request a POST. */
  readonly bodyFile: string;
  /** Extra request headers, `name: value`. */
  readonly headers: readonly string[];
  /** Where h2load writes per-request latencies; removed after reading. */
  readonly logFile: string;
}

export interface H2LoadResult {
  readonly rps: number;
  /** Requests completed in the measured period. */
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly errored: number;
  /** Latency of each measured request, in ms, in log order. */
  readonly latenciesMs: Float64Array;
}

export async function runH2Load(o: H2LoadOptions): Promise<H2LoadResult> {
  const args = ["-c", String(o.clients), "-m", String(o.streams), "-t", "1", "-D", String(o.durationSec), "-d", o.bodyFile, "--log-file", o.logFile];
  if (o.warmupSec > 0) args.push(`--warm-up-time=${o.warmupSec}`);
  for (const h of o.headers) args.push("-H", h);
  args.push(o.url);
  const out = await runProgram(H2LOAD, args, (o.durationSec + o.warmupSec + 30) * 1000);
  const summary = parseSummary(out);
  const latenciesMs = await readLatencies(o.logFile);
  await rm(o.logFile, { force: true });
  return { ...summary, latenciesMs };
}

function runProgram(program: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.on("data", (c: Buffer) => (out += c.toString()));
    proc.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.on("error", (e) => { clearTimeout(timer); reject(new Error(`cannot run ${program}: ${e.message} (install nghttp2-client)`)); });
    proc.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${program} exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

/** Pull the figures out of h2load's text summary. */
export function parseSummary(out: string): Pick<H2LoadResult, "rps" | "requests" | "succeeded" | "failed" | "errored"> {
  const rps = /finished in [\d.]+\w*, ([\d.]+) req\/s/.exec(out);
  const req = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  if (!rps || !req) throw new Error(`cannot read h2load output:\n${out.slice(-2000)}`);
  return { rps: Number(rps[1]), requests: Number(req[3]), succeeded: Number(req[4]), failed: Number(req[5]), errored: Number(req[6]) };
}

async function readLatencies(file: string): Promise<Float64Array> {
  const samples = new Samples();
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const tab = line.lastIndexOf("\t");
    if (tab < 0) continue;
    const us = Number(line.slice(tab + 1));
    if (Number.isFinite(us)) samples.push(us / 1000);
  }
  return samples.view().slice();
}
