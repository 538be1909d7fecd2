/**
 * governance: unary requests/s of one Weir client (64 calls in flight) against a Weir server, with
 * the whole governance stack (client: max in flight, circuit breaker, retry, timeout, a balanced
 * transport with power of two choices and instance breakers; server: QPS and concurrency limits)
 * versus none, in alternating rounds. Target: the stack keeps >= 0.9 of the bare rate.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createClient } from "../src/index.js";
import { createGrpcTransport } from "../src/transport/index.js";
import {
  circuitBreaker, createBalancedTransport, maxInFlight, powerOfTwoChoices, retry, staticResolver, timeout,
} from "../src/governance/index.js";
import { Chaos } from "../examples/chaos/service.js";
import { median, ratio, round } from "./lib/stats.js";
import type { BenchResult, Benchmark } from "./types.js";

export interface GovernanceBenchOptions {
  /** Seconds of each measured round. Default 1.5. */
  roundSec?: number;
  /** Rounds per variant (alternating). Default 8. */
  rounds?: number;
  /** Calls in flight. Default 64. */
  concurrency?: number;
}

type AskClient = ReturnType<typeof createClient<typeof Chaos.methods>>;

export async function runGovernanceBench(o: GovernanceBenchOptions = {}): Promise<BenchResult> {
  const roundSec = o.roundSec ?? 1.5, rounds = o.rounds ?? 8, concurrency = o.concurrency ?? 64;
  const child = spawn(process.execPath, [fileURLToPath(new URL("./governance/server.js", import.meta.url))], { stdio: ["pipe", "pipe", "inherit"] });
  try {
    const [line] = (await once(child.stdout!, "data")) as [Buffer];
    const ports = JSON.parse(line.toString()) as { plain: number; governed: number };
    const plainTransport = createGrpcTransport({ target: `127.0.0.1:${ports.plain}` });
    const balanced = createBalancedTransport({
      resolver: staticResolver([`127.0.0.1:${ports.governed}`]),
      balancer: powerOfTwoChoices(),
      connect: (ep) => createGrpcTransport({ target: ep.address }),
    });
    const clients = {
      none: createClient(Chaos, plainTransport),
      stack: createClient(Chaos, balanced, {
        middleware: [maxInFlight({ max: 10_000 }), circuitBreaker(), retry({ policy: { type: "failure", maxRetries: 2 } }), timeout({ timeoutMs: 5000 })],
      }),
    };
    const m = await measureRounds(clients, { roundSec, rounds, concurrency }, cpuReader(child));
    await Promise.all([plainTransport.close(), balanced.close()]);
    return {
      name: "governance",
      results: { none: m.figures("none"), stack: m.figures("stack") },
      ratios: {
        governance_stack_vs_none: ratio(median(m.pairs), 1),
        governance_stack_vs_none_cpu: ratio(median(m.cpu.none), median(m.cpu.stack)),
      },
      notes: [
        "governance_stack_vs_none is the median over rounds of (stack rps / none rps) measured back to back",
        "governance_stack_vs_none_cpu is CPU time per call (client + server) without the stack over with it: the rate ratio when CPU-bound, less sensitive to other load on the machine",
      ],
      config: { roundSec, rounds, concurrency },
    };
  } finally {
    child.stdin!.end();
    if (child.exitCode === null) child.kill();
  }
}

type Variant = "none" | "stack";

/** Warm both up, then `rounds` pairs of measurements, alternating which goes first (the machine's load drifts). */
async function measureRounds(clients: Record<Variant, AskClient>, c: Required<GovernanceBenchOptions>, serverCpu: () => Promise<number>) {
  const rps = { none: [] as number[], stack: [] as number[] };
  const cpu = { none: [] as number[], stack: [] as number[] };
  const split = { none: [] as [number, number][], stack: [] as [number, number][] };
  const pairs: number[] = [];
  for (const k of ["none", "stack"] as const) await closedLoop(clients[k], c.concurrency, Math.min(2, c.roundSec * 2), serverCpu); // JIT, connections
  for (let r = 0; r < c.rounds; r++) {
    const order = r % 2 === 0 ? (["none", "stack"] as const) : (["stack", "none"] as const);
    const m: Partial<Record<Variant, Measure>> = {};
    for (const k of order) m[k] = await closedLoop(clients[k], c.concurrency, c.roundSec, serverCpu);
    for (const k of order) { rps[k].push(m[k]!.rps); cpu[k].push(m[k]!.cpuUsPerCall); split[k].push([m[k]!.clientUs, m[k]!.serverUs]); }
    pairs.push(m.stack!.rps / m.none!.rps);
  }
  const figures = (k: Variant) => ({
    rps: round(median(rps[k])), cpu_us_per_call: round(median(cpu[k])),
    client_cpu_us_per_call: round(median(split[k].map((x) => x[0]))), server_cpu_us_per_call: round(median(split[k].map((x) => x[1]))),
    rounds: rps[k].map((x) => round(x)),
  });
  return { pairs, cpu, figures };
}

interface Measure { rps: number; cpuUsPerCall: number; clientUs: number; serverUs: number }

/** `concurrency` loops of back-to-back unary calls for `sec` seconds: requests/s and CPU µs per call (both processes). */
async function closedLoop(client: AskClient, concurrency: number, sec: number, serverCpu: () => Promise<number>): Promise<Measure> {
  const end = performance.now() + sec * 1000;
  let done = 0;
  const req = { id: "x" };
  const loop = async () => {
    while (performance.now() < end) {
      await client.Ask(req);
      done++;
    }
  };
  const s0 = await serverCpu();
  const c0 = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = performance.now() - start;
  const c = process.cpuUsage(c0);
  const s1 = await serverCpu();
  const n = Math.max(1, done);
  return { rps: (done * 1000) / elapsed, cpuUsPerCall: (c.user + c.system + s1 - s0) / n, clientUs: (c.user + c.system) / n, serverUs: (s1 - s0) / n };
}

/** Ask the server child for its CPU time (µs). */
function cpuReader(child: ChildProcess): () => Promise<number> {
  let buf = "";
  const waiting: ((n: number) => void)[] = [];
  child.stdout!.on("data", (c: Buffer) => {
    buf += c.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.(Number(line));
    }
  });
  return () => new Promise((resolve) => { waiting.push(resolve); child.stdin!.write("cpu\n"); });
}

/** The benchmark as the harness lists it. */
export const governanceBench: Benchmark = {
  description: "Unary requests/s with timeout + retry + breaker + limiter + balancer all enabled vs none (one Weir client and server)",
  targets: { governance_stack_vs_none: 0.9, governance_stack_vs_none_cpu: 0.9 },
  run: (ctx) => runGovernanceBench(ctx.smoke ? { roundSec: 0.2, rounds: 1, concurrency: 8 } : ctx.durationSec ? { roundSec: Math.max(0.5, ctx.durationSec / 16) } : {}),
};
