/**
 * governance: unary requests/s of one Weir client (64 calls in flight) against a Weir server, with
 * the whole governance stack (client: max in flight, circuit breaker, retry, timeout, a balanced
 * transport with power of two choices and instance breakers; server: QPS and concurrency limits)
 * versus none, in alternating rounds. Target: the stack keeps >= 0.9 of the bare rate.
 */
import { spawn } from "node:child_process";
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
    const none = createClient(Chaos, plainTransport);
    const stack = createClient(Chaos, balanced, {
      middleware: [
        maxInFlight({ max: 10_000 }), circuitBreaker(),
        retry({ policy: { type: "failure", maxRetries: 2 } }), timeout({ timeoutMs: 5000 }),
      ],
    });
    const rps = { none: [] as number[], stack: [] as number[] };
    const pairs: number[] = [];
    await closedLoop(none, concurrency, Math.min(1, roundSec)); // warm-up
    await closedLoop(stack, concurrency, Math.min(1, roundSec));
    for (let r = 0; r < rounds; r++) {
      // alternate which goes first, and compare within each pair: the machine's load drifts
      const first = r % 2 === 0 ? none : stack;
      const a = await closedLoop(first, concurrency, roundSec);
      const b = await closedLoop(first === none ? stack : none, concurrency, roundSec);
      const [n, st] = first === none ? [a, b] : [b, a];
      rps.none.push(n);
      rps.stack.push(st);
      pairs.push(st / n);
    }
    await Promise.all([plainTransport.close(), balanced.close()]);
    return {
      name: "governance",
      results: {
        none: { rps: round(median(rps.none)), rounds: rps.none.map((x) => round(x)) },
        stack: { rps: round(median(rps.stack)), rounds: rps.stack.map((x) => round(x)) },
      },
      ratios: { governance_stack_vs_none: ratio(median(pairs), 1) },
      notes: ["governance_stack_vs_none is the median over rounds of (stack rps / none rps) measured back to back"],
      config: { roundSec, rounds, concurrency },
    };
  } finally {
    child.stdin!.end();
    if (child.exitCode === null) child.kill();
  }
}

/** `concurrency` loops of back-to-back unary calls for `sec` seconds; requests per second. */
async function closedLoop(client: AskClient, concurrency: number, sec: number): Promise<number> {
  const end = performance.now() + sec * 1000;
  let done = 0;
  const req = { id: "x" };
  const loop = async () => {
    while (performance.now() < end) {
      await client.Ask(req);
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return (done * 1000) / (performance.now() - start);
}

/** The benchmark as the harness lists it. */
export const governanceBench: Benchmark = {
  description: "Unary requests/s with timeout + retry + breaker + limiter + balancer all enabled vs none (one Weir client and server)",
  targets: { governance_stack_vs_none: 0.9 },
  run: (ctx) => runGovernanceBench(ctx.smoke ? { roundSec: 0.2, rounds: 1, concurrency: 8 } : ctx.durationSec ? { roundSec: Math.max(0.5, ctx.durationSec / 16) } : {}),
};
