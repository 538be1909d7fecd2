// Attack: WebSocket clients that send large messages faster than `weir serve` takes them and
// never read a reply (issue 10, defect 2). The server must stop reading them (backpressure)
// rather than queue, stay below 512 MiB of RSS, keep answering a well-behaved client within
// 250 ms at p99, and hold nothing once the attackers are gone.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { sample } from "../e2e/engine-metrics.js";
import { startServeProcess } from "../e2e/serve-process.js";
import { cpuMs, openFds, peakRssMiB, probe, rssMiB, until } from "./harness.js";

const FLOOD = path.join(path.dirname(fileURLToPath(import.meta.url)), "ws-flood.js");
const SOCKETS = 48;
const MESSAGE_BYTES = 1 << 20;
/** How long the flood runs: the attack's length, not a synchronisation. */
const ATTACK_MS = 10_000;

/** A request that must answer 200; its body is read to the end. */
async function fetchOk(url: string, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { signal });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
}

interface Flood {
  readonly child: ChildProcess;
  /** The flood's last report: bytes handed to its sockets, sockets opened. */
  last(): string;
}

/** Start the flood; resolves once every socket is open and sending. */
async function startFlood(wsUrl: string): Promise<Flood> {
  const child = spawn(process.execPath, [FLOOD, wsUrl, String(SOCKETS), String(MESSAGE_BYTES)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => { out = (out + b.toString()).slice(-1000); });
  try {
    await until(() => out.includes(`flooding ${SOCKETS}`) || child.exitCode !== null, "the flood's sockets to open", 15_000)
      .catch((e: Error) => { throw new Error(`${e.message}; the flood printed: ${out.slice(-300)}`); });
    assert.equal(child.exitCode, null, `the flood exited: ${out}`);
    return { child, last: () => `flood: ${/sent \d+ opened \d+(?![^]*sent)/.exec(out)?.[0] ?? "no report"}` };
  } catch (e) {
    kill(child);
    throw e;
  }
}

function kill(child: ChildProcess | undefined): void {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

describe("attack: WebSocket flood against weir serve", { timeout: 120_000 }, () => {
  it(`${SOCKETS} sockets sending ${MESSAGE_BYTES >> 20} MiB messages and reading nothing: RSS < 512 MiB, /healthz and SSE p99 < 250 ms, nothing left after`, async () => {
    const serve = await startServeProcess();
    let flood: Flood | undefined;
    try {
      const pid = serve.child.pid!;
      // warm: the gateway's connection to the model server and the health probe's own one are open
      await fetchOk(`${serve.httpUrl}/healthz`, AbortSignal.timeout(5000));
      await fetchOk(`${serve.httpUrl}/api/generate?prompt=Hi&max_tokens=1`, AbortSignal.timeout(5000));
      const idleFds = openFds(pid);
      const stop = new AbortController();
      const health = probe((signal) => fetchOk(`${serve.httpUrl}/healthz`, signal), stop.signal);
      const generation = probe((signal) => fetchOk(`${serve.httpUrl}/api/generate?prompt=Hi&max_tokens=1`, signal), stop.signal);
      flood = await startFlood(`${serve.httpUrl.replace(/^http/, "ws")}/api/generate/ws`);
      let peak = 0;
      const cpuBefore = cpuMs(pid);
      const end = Date.now() + ATTACK_MS;
      while (Date.now() < end && serve.child.exitCode === null) {
        peak = Math.max(peak, rssMiB(pid));
        await delay(100);
      }
      assert.equal(serve.child.exitCode, null, `weir serve died under the flood:\n${serve.output()}`);
      peak = Math.max(peak, peakRssMiB(pid));
      stop.abort();
      const cpu = cpuMs(pid) - cpuBefore;
      const [h, g] = await Promise.all([health, generation]);
      kill(flood.child);
      console.log(`${flood.last()}; weir serve used ${cpu.toFixed(0)} ms of CPU in ${ATTACK_MS} ms, peak RSS ${peak.toFixed(0)} MiB`);
      console.log(`/healthz p50 ${h.p50.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms (${h.latencies.length}); one-token SSE generation p50 ${g.p50.toFixed(1)} ms, p99 ${g.p99.toFixed(1)} ms (${g.latencies.length})`);
      assert.ok(peak < 512, `weir serve's RSS peaked at ${peak.toFixed(0)} MiB`);
      assert.deepEqual([...h.failures, ...g.failures], []);
      assert.ok(h.p99 < 250, `/healthz p99 ${h.p99.toFixed(1)} ms during the flood`);
      assert.ok(g.p99 < 250, `SSE generation p99 ${g.p99.toFixed(1)} ms during the flood`);
      await until(async () => (await sample(serve.httpUrl)).active === 0, "the attackers' generations to stop", 30_000, 100);
      await until(() => openFds(pid) <= idleFds + 2, `weir serve's sockets to close (fds back to ${idleFds})`, 30_000, 100);
    } finally {
      kill(flood?.child);
      await serve.stop();
    }
  });
});
