// Attack: many sockets that say nothing, or trickle bytes, on the one-port server (Thrift and
// gRPC share it), in a process allowed 1024 open files. The connection cap refuses the extras at
// once so the process keeps file descriptors; the handshake, read and idle timeouts close the rest;
// clients already connected are served throughout, new ones once the timeouts have done their work.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import type { Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { describe, it } from "node:test";
import { Echo } from "../../examples/thrift-echo/service.js";
import { generationThriftDescriptor } from "../../src/serving/generation/index.js";
import { startServeProcess } from "../e2e/serve-process.js";
import { openFds, probe, until, type ProbeReport } from "./harness.js";
import { callMessage, echoPinger, framed, rawConnect, startEchoProcess } from "./thrift-attack.js";
import { onceWithin } from "../helpers/wait.js";

const SOCKETS = 1100;
const MAX_OPEN_FILES = 1024;

/** Open `count` sockets, 100 at a time; `lifetimes` gets how long each lived (ms) once it is closed. */
async function openMany(port: number, count: number): Promise<{ sockets: Socket[]; lifetimes: Map<Socket, number> }> {
  const sockets: Socket[] = [];
  const lifetimes = new Map<Socket, number>();
  for (let i = 0; i < count; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => rawConnect(port, 10_000)));
    const opened = Date.now();
    for (const s of batch) {
      s.on("error", () => {});
      s.once("close", () => lifetimes.set(s, Date.now() - opened));
      s.resume();
    }
    sockets.push(...batch);
  }
  return { sockets, lifetimes };
}

/** Probe with `request` while `attack` runs, sampling the target's open files; returns both. */
async function probeDuring(pid: number, request: (signal: AbortSignal) => Promise<unknown>, attack: () => Promise<void>): Promise<{ r: ProbeReport; maxFds: number }> {
  let maxFds = 0;
  const stop = new AbortController();
  const sampling = (async () => { while (!stop.signal.aborted) { maxFds = Math.max(maxFds, openFds(pid)); await delay(20); } })();
  const probing = probe(request, stop.signal);
  try {
    await attack();
  } finally {
    stop.abort();
  }
  const [r] = await Promise.all([probing, sampling]);
  return { r, maxFds };
}

function assertServed(name: string, r: ProbeReport, maxFds: number): void {
  console.log(`${name}: target's open files at most ${maxFds}; probe p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms over ${r.latencies.length}`);
  assert.deepEqual(r.failures, []);
  assert.ok(r.p99 < 250, `p99 ${r.p99.toFixed(1)} ms`);
  assert.ok(maxFds < MAX_OPEN_FILES - 200, `${maxFds} open files`);
}

describe("attack: idle and slow sockets on the one-port server, 1024 open files", { timeout: 180_000 }, () => {
  it(`echo example: ${SOCKETS} silent sockets are refused past the cap at once and closed by the handshake timeout`, async () => {
    const echo = await startEchoProcess({ sniffTimeoutMs: 2000 }, { maxOpenFiles: MAX_OPEN_FILES });
    const pinger = echoPinger(echo.target); // connected before the attack
    const all: Socket[] = [];
    try {
      await pinger.ping(AbortSignal.timeout(5000));
      let refusedAtOnce = 0;
      const { r, maxFds } = await probeDuring(echo.pid, pinger.ping, async () => {
        const { sockets, lifetimes } = await openMany(echo.port, SOCKETS);
        all.push(...sockets);
        await until(() => lifetimes.size >= SOCKETS - 512, "the connections past the cap to be closed", 5000);
        refusedAtOnce = [...lifetimes.values()].filter((ms) => ms < 1000).length;
        await until(() => lifetimes.size === SOCKETS, "every silent socket to be closed", 10_000);
      });
      assertServed("echo, silent sockets", r, maxFds);
      assert.ok(refusedAtOnce >= SOCKETS - 512, `${refusedAtOnce} closed within 1 s, before the handshake timeout`);
      const fresh = echoPinger(echo.target);
      await fresh.ping(AbortSignal.timeout(2000)).finally(() => fresh.close());
    } finally {
      for (const s of all) s.destroy();
      await pinger.close();
      await echo.stop();
    }
  });

  it("echo example: sockets that trickle a frame are closed by the read timeout, idle ones by the idle timeout", async () => {
    const echo = await startEchoProcess({ thrift: { readTimeoutMs: 1000, idleTimeoutMs: 1500 } }, { maxOpenFiles: MAX_OPEN_FILES });
    const pinger = echoPinger(echo.target);
    const all: Socket[] = [];
    try {
      await pinger.ping(AbortSignal.timeout(5000));
      const ping = framed(callMessage(Echo.methods.ping, { msg: "x".repeat(1000) }));
      const { r, maxFds } = await probeDuring(echo.pid, pinger.ping, async () => {
        const slow = await openMany(echo.port, 300);
        const idle = await openMany(echo.port, 100);
        all.push(...slow.sockets, ...idle.sockets);
        for (const s of idle.sockets) s.write(ping); // one call, answered, then silence
        for (let i = 0; slow.lifetimes.size < 300 && i < 100; i++) {
          for (const s of slow.sockets) if (!s.destroyed) s.write(ping.subarray(i * 8, i * 8 + 8)); // 8 bytes every 50 ms
          await delay(50);
        }
        assert.equal(slow.lifetimes.size, 300, "every trickling socket closed before it sent its frame");
        await until(() => idle.lifetimes.size === 100, "the idle connections to be closed", 5000);
      });
      assertServed("echo, trickling and idle sockets", r, maxFds);
      await until(() => openFds(echo.pid) < 100, "the target's files to be closed", 5000);
    } finally {
      for (const s of all) s.destroy();
      await pinger.close();
      await echo.stop();
    }
  });

  it(`weir serve --max-rpc-connections=300: ${SOCKETS} silent sockets on the model port leave /healthz served`, async () => {
    const serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--max-rpc-connections=300"] });
    const pid = serve.child.pid!;
    execFileSync("prlimit", ["--pid", String(pid), `--nofile=${MAX_OPEN_FILES}:${MAX_OPEN_FILES}`]);
    const port = Number(serve.rpcAddress.split(":").pop());
    const all: Socket[] = [];
    const healthz = (signal: AbortSignal) => fetch(`${serve.httpUrl}/healthz`, { signal }).then((res) => {
      if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
      return res.arrayBuffer();
    });
    try {
      await healthz(AbortSignal.timeout(5000));
      const { r, maxFds } = await probeDuring(pid, healthz, async () => {
        const { sockets, lifetimes } = await openMany(port, SOCKETS);
        all.push(...sockets);
        await until(() => lifetimes.size >= SOCKETS - 300, "the connections past the cap to be closed", 5000);
        await delay(2000); // the silent sockets stay open while the probe goes on
      });
      assertServed("serve, silent sockets", r, maxFds);
      assert.ok(maxFds < 300 + 100, `${maxFds} open files with a cap of 300`);
      for (const s of all.splice(0)) s.destroy();
      const client = await rawConnect(port);
      client.write(framed(callMessage(generationThriftDescriptor().methods.ListModels, { req: {} })));
      await Promise.race([onceWithin(client, "data"), delay(5000).then(() => { throw new Error("no answer from the model port"); })]);
      client.destroy();
    } finally {
      for (const s of all) s.destroy();
      await serve.stop();
    }
  });
});
