// Fixture of the gRPC attack tests (not a test file): the echo server of server-attack-child.ts in a
// child process, and a well-behaved client's unary call. Every wait is bounded.
import { fork, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import http2 from "node:http2";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { probe, rssMiB, type ProbeReport } from "../../../test/attack/harness.js";
import type { ServerOptions } from "./grpc-server.js";
import { Echo, frame } from "./server-fixture.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const CHILD = fileURLToPath(new URL("./server-attack-child.js", import.meta.url));

export interface AttackedServer {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** Disconnect (the child closes its server and exits), SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>;
  /** Have the child collect garbage; resolves with its memory usage then (rejects after 5 s). */
  collectGarbage(): Promise<NodeJS.MemoryUsage>;
}

export interface AttackedServerOptions {
  /** "listen": server.listen(); "one-port": listenAllProtocols, as `weir serve`'s RPC port. Default "listen". */
  mode?: "listen" | "one-port";
  /** Lower the child's open-file limit to this (prlimit). Default: inherited. */
  nofile?: number;
}

/** Start the echo server in a child process with these options; resolves once it listens. */
export async function startAttackedServer(options: ServerOptions, o: AttackedServerOptions = {}): Promise<AttackedServer> {
  const child = fork(CHILD, [JSON.stringify(options), o.mode === "one-port" ? "all" : "listen"], {
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    execArgv: ["--expose-gc"],
  });
  const exited = once(child, "exit"); // bounded: stop() kills the child after 5 s
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    const line = onceWithin(createInterface({ input: child.stdout! }), "line");
    const [text] = (await Promise.race([line, exited.then(() => { throw new Error("the server child exited before listening"); })])) as [string];
    if (o.nofile !== undefined) {
      const r = spawnSync("prlimit", [`--pid=${child.pid}`, `--nofile=${o.nofile}:${o.nofile}`]);
      if (r.status !== 0) throw new Error(`prlimit failed: ${r.stderr}`);
    }
    const collectGarbage = async () => {
      const reply = once(child, "message", { signal: AbortSignal.timeout(5000) });
      child.send("gc");
      return (await reply)[0] as NodeJS.MemoryUsage;
    };
    return { child, pid: child.pid!, port: Number(text), stop, collectGarbage };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A well-behaved unary call on a new connection, closed afterwards; throws unless status OK and echo. */
export async function unaryOnNewConnection(port: number, signal: AbortSignal): Promise<void> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  try {
    await unaryOn(session, signal);
  } finally {
    session.destroy();
  }
}

/** A well-behaved unary call on `session`; throws unless status OK and the text echoed. */
export async function unaryOn(session: http2.ClientHttp2Session, signal: AbortSignal): Promise<void> {
  const req = session.request({ ":method": "POST", ":path": "/weir.test.server.Echo/Unary", "content-type": "application/grpc", te: "trailers" }, { signal });
  req.on("error", () => {});
  let status: unknown;
  const body: Buffer[] = [];
  req.on("response", (h) => (status = h["grpc-status"] ?? status));
  req.on("trailers", (h) => (status = h["grpc-status"]));
  req.on("data", (c: Buffer) => body.push(c));
  req.end(frame(Echo.methods.Unary.input.encode({ text: "probe" })));
  await once(req, "close", { signal });
  if (status !== "0") throw new Error(`status ${String(status)} (rst ${req.rstCode})`);
  const reply = Echo.methods.Unary.output.decode(Buffer.concat(body).subarray(5));
  if (reply.text !== "probe") throw new Error(`echo ${reply.text}`);
}

/** What happened during an attack: its result and duration, a well-behaved client's latencies, the server's RSS. */
export interface AttackReport<T> {
  readonly result: T;
  readonly ms: number;
  readonly probe: ProbeReport;
  readonly rssBeforeMiB: number;
  readonly rssPeakMiB: number;
}

/**
 * Run `attack` while a well-behaved client sends `request` (one at a time, every 10 ms, failed after
 * 2 s) and the server's RSS is sampled every 10 ms.
 */
export async function underAttack<T>(pid: number, request: (signal: AbortSignal) => Promise<unknown>, attack: () => Promise<T>): Promise<AttackReport<T>> {
  const rssBeforeMiB = rssMiB(pid);
  let rssPeakMiB = rssBeforeMiB;
  const sampler = setInterval(() => (rssPeakMiB = Math.max(rssPeakMiB, rssMiB(pid))), 10);
  const stop = new AbortController();
  const probing = probe(request, stop.signal, { everyMs: 10, requestTimeoutMs: 2000 });
  const t0 = performance.now();
  try {
    const result = await attack();
    const ms = performance.now() - t0;
    stop.abort();
    return { result, ms, probe: await probing, rssBeforeMiB, rssPeakMiB: Math.max(rssPeakMiB, rssMiB(pid)) };
  } finally {
    stop.abort();
    clearInterval(sampler);
  }
}

/** The report's figures, for `t.diagnostic`. */
export function describeAttack(r: AttackReport<unknown>): string {
  const p = r.probe;
  return `attack ${r.ms.toFixed(0)} ms; RSS ${r.rssBeforeMiB.toFixed(0)} MiB before, ${r.rssPeakMiB.toFixed(0)} MiB at most (sampled every 10 ms); `
    + `probes ${p.latencies.length}, p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, max ${p.max.toFixed(1)} ms`;
}
