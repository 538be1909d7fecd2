/**
 * governance: unary requests/s of one Weir client (64 calls in flight) against a Weir server, with
 * the whole governance stack (client: max in flight, circuit breaker, retry, timeout, a balanced
 * transport with power of two choices and instance breakers; server: QPS and concurrency limits)
 * versus none, in many short slices that alternate between the two. Target: the stack keeps >= 0.9
 * of the bare rate.
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
import { ratio, round } from "./lib/stats.js";
import type { BenchResult, Benchmark } from "./types.js";

export interface GovernanceBenchOptions {
  /** Length of one measured slice, in ms. Default 100. */
  sliceMs?: number;
  /** Slices per variant; the variants alternate (none, stack, stack, none, ...). Default 200. */
  slices?: number;
  /** Calls in flight. Default 64. */
  concurrency?: number;
}

type AskClient = ReturnType<typeof createClient<typeof Chaos.methods>>;

export async function runGovernanceBench(o: GovernanceBenchOptions = {}): Promise<BenchResult> {
  const sliceMs = o.sliceMs ?? 100, slices = o.slices ?? 200, concurrency = o.concurrency ?? 64;
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
    const m = await measureSlices(clients, { sliceMs, slices, concurrency }, cpuReader(child));
    await Promise.all([plainTransport.close(), balanced.close()]);
    return {
      name: "governance",
      results: { none: m.figures("none"), stack: m.figures("stack") },
      ratios: {
        governance_stack_vs_none: ratio(m.rps("stack"), m.rps("none")),
        governance_stack_vs_none_cpu: ratio(m.cpuPerCall("none"), m.cpuPerCall("stack")),
      },
      notes: [
        `each variant ran ${slices} slices of ${sliceMs} ms, alternating: load on a shared machine drifts within seconds, and short alternating slices see the same drift`,
        "governance_stack_vs_none is the stack's calls per second over all its slices divided by the same for none",
        "governance_stack_vs_none_cpu is CPU time per call (client + server) without the stack over with it",
      ],
      config: { sliceMs, slices, concurrency },
    };
  } finally {
    child.stdin!.end();
    if (child.exitCode === null) child.kill();
  }
}

type Variant = "none" | "stack";

/** What one variant did over all its slices. */
interface Totals { calls: number; ms: number; clientUs: number; serverUs: number }

/**
 * Warm both up, then `slices` slices of each, in the order none, stack, stack, none, ... (so a
 * steady drift in the machine's speed favours neither), summing calls, time and CPU per variant.
 */
async function measureSlices(clients: Record<Variant, AskClient>, c: Required<GovernanceBenchOptions>, serverCpu: () => Promise<number>) {
  const totals: Record<Variant, Totals> = { none: { calls: 0, ms: 0, clientUs: 0, serverUs: 0 }, stack: { calls: 0, ms: 0, clientUs: 0, serverUs: 0 } };
  const warmMs = Math.min(2000, c.sliceMs * 20);
  for (const k of ["none", "stack"] as const) await closedLoop(clients[k], c.concurrency, warmMs); // JIT, connections
  let server = await serverCpu();
  for (let i = 0; i < 2 * c.slices; i++) {
    const k: Variant = (i & 3) === 0 || (i & 3) === 3 ? "none" : "stack";
    const cpu0 = process.cpuUsage();
    const s = await closedLoop(clients[k], c.concurrency, c.sliceMs);
    const cpu = process.cpuUsage(cpu0);
    const serverNow = await serverCpu();
    const t = totals[k];
    t.calls += s.calls;
    t.ms += s.ms;
    t.clientUs += cpu.user + cpu.system;
    t.serverUs += serverNow - server;
    server = serverNow;
  }
  const rps = (k: Variant) => (totals[k].calls * 1000) / totals[k].ms;
  const perCall = (k: Variant, us: number) => us / Math.max(1, totals[k].calls);
  const cpuPerCall = (k: Variant) => perCall(k, totals[k].clientUs + totals[k].serverUs);
  const figures = (k: Variant) => ({
    rps: round(rps(k)), cpu_us_per_call: round(cpuPerCall(k)),
    client_cpu_us_per_call: round(perCall(k, totals[k].clientUs)), server_cpu_us_per_call: round(perCall(k, totals[k].serverUs)),
    calls: totals[k].calls,
  });
  return { rps, cpuPerCall, figures };
}

/** `concurrency` loops of back-to-back unary calls for `ms`: the calls completed and the time they took. */
async function closedLoop(client: AskClient, concurrency: number, ms: number): Promise<{ calls: number; ms: number }> {
  const start = performance.now();
  const end = start + ms;
  let calls = 0;
  const req = { id: "x" };
  const loop = async () => {
    while (performance.now() < end) {
      await client.Ask(req);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { calls, ms: performance.now() - start };
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
  run: (ctx) => runGovernanceBench(
    ctx.smoke ? { sliceMs: 50, slices: 2, concurrency: 8 } : ctx.durationSec ? { slices: Math.max(20, Math.round((ctx.durationSec * 1000) / 100)) } : {}, // 100 ms slices
  ),
};
