// The chaos scenario: three instances behind etcd discovery under steady load; one is killed and
// another slowed tenfold; the client has retry (mixed), breakers and power-of-two-choices.
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Code, RpcError, createClient } from "weir";
import { createGrpcTransport } from "weir/grpc";
import { createBalancedTransport, etcdRegistry, powerOfTwoChoices, retry, timeout, type BalancedTransport } from "weir/governance";
import { startEtcd } from "./etcd.js";
import { Chaos, STREAM_MESSAGES } from "./service.js";

export interface ChaosOptions {
  /** Calls started per second (open loop). Default 200. */
  rps?: number;
  /** Length of the healthy phase that sets the baseline p99. Default 8000 ms (as long as the chaos phase: both see the machine's hiccups alike). */
  healthyMs?: number;
  /** Length of the chaos phase. Default 8000 ms. */
  chaosMs?: number;
  /** Service time of a healthy instance. Default 30 ms (the slowed one takes 10×). */
  baseMs?: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  readonly calls: number;
  readonly failed: number;
  readonly success: number;
  readonly healthyP99Ms: number;
  readonly chaosP99Ms: number;
  readonly p99VsHealthy: number;
  readonly duplicates: number;
  readonly errors: readonly string[];
}

/** Goals: >= 99.9% success, chaos p99 within 3× the healthy p99, no stream message twice. */
export function goalsMet(r: ChaosResult): boolean {
  return r.success >= 0.999 && r.p99VsHealthy <= 3 && r.duplicates === 0;
}

interface Phase { latencies: number[]; failed: number; duplicates: number; errors: string[] }

export async function runChaos(o: ChaosOptions = {}): Promise<ChaosResult> {
  const rps = o.rps ?? 200, baseMs = o.baseMs ?? 30, log = o.log ?? (() => {});
  const etcd = await startEtcd();
  const children: ChildProcess[] = [];
  let balanced: BalancedTransport | undefined;
  const registry = await etcdRegistry({ hosts: etcd.url, ttlSec: 2 });
  try {
    for (const name of ["s1", "s2", "s3"]) children.push(await startInstance(etcd.url, name, baseMs));
    balanced = createBalancedTransport({
      resolver: registry.resolver("chaos"),
      balancer: powerOfTwoChoices(),
      connect: (ep) => createGrpcTransport({ target: ep.address, connectTimeoutMs: 200, backoff: { initialMs: 200 } }),
      breaker: { consecutiveFailures: 3, coolingMs: 2000, isFailure: (e) => e.code === Code.Unavailable },
    });
    await balanced.ready();
    const client = createClient(Chaos, balanced, {
      middleware: [retry({ policy: { type: "mixed", delayMs: Math.round(baseMs * 1.5), maxRetries: 2 } }), timeout({ timeoutMs: 2000 })],
    });
    log(`etcd ${etcd.url}; instances ${balanced.endpoints().map((e) => e.address).join(", ")}; ${rps} calls/s`);
    await load(client, rps, 500); // warm-up: connections, JIT
    const healthy = await load(client, rps, o.healthyMs ?? 8000);
    log(`healthy: ${healthy.latencies.length} calls, p99 ${p99(healthy.latencies).toFixed(1)}ms`);
    const chaos = load(client, rps, o.chaosMs ?? 8000);
    children[0]!.kill("SIGKILL");
    children[1]!.send({ slow: 10 });
    log("killed s1 (SIGKILL), slowed s2 tenfold");
    const c = await chaos;
    const calls = healthy.latencies.length + healthy.failed + c.latencies.length + c.failed;
    const failed = healthy.failed + c.failed;
    const hp = p99(healthy.latencies), cp = p99(c.latencies);
    return {
      calls, failed, success: calls === 0 ? 0 : (calls - failed) / calls,
      healthyP99Ms: hp, chaosP99Ms: cp, p99VsHealthy: hp > 0 ? cp / hp : Infinity,
      duplicates: healthy.duplicates + c.duplicates, errors: [...healthy.errors, ...c.errors].slice(0, 10),
    };
  } finally {
    await balanced?.close();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await registry.close();
    await etcd.stop();
  }
}

async function startInstance(etcdUrl: string, name: string, baseMs: number): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL("./server.js", import.meta.url)), [etcdUrl, name, String(baseMs)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const [msg] = (await Promise.race([once(child, "message"), once(child, "exit").then(() => { throw new Error(`instance ${name} exited`); })])) as [{ ready?: string }];
  if (!msg.ready) throw new Error(`instance ${name} did not start`);
  return child;
}

type ChaosClient = ReturnType<typeof createClient<typeof Chaos.methods>>;

/** Open-loop load: `rps` calls a second for `ms`, a fifth of them streams; waits for every call. */
async function load(client: ChaosClient, rps: number, ms: number): Promise<Phase> {
  const phase: Phase = { latencies: [], failed: 0, duplicates: 0, errors: [] };
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < ms) {
    const due = Math.floor(((performance.now() - start) * rps) / 1000);
    for (; sent < due; sent++) {
      const p = oneCall(client, sent, phase);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inflight);
  return phase;
}

async function oneCall(client: ChaosClient, n: number, phase: Phase): Promise<void> {
  const t0 = performance.now();
  try {
    if (n % 5 === 4) {
      const seen = new Set<number>();
      for await (const m of client.Stream({ id: String(n) })) {
        const i = m.index ?? 0;
        if (seen.has(i)) phase.duplicates++;
        seen.add(i);
      }
      if (seen.size !== STREAM_MESSAGES) throw new RpcError(Code.DataLoss, `stream gave ${seen.size} of ${STREAM_MESSAGES} messages`);
    } else {
      await client.Ask({ id: String(n) });
    }
    phase.latencies.push(performance.now() - t0);
  } catch (e) {
    phase.failed++;
    if (phase.errors.length < 10) phase.errors.push(RpcError.from(e).message);
  }
}

function p99(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
}
