// Attack: many hostile requests in parallel against `weir serve` (JSON bodies of 1 MiB nested
// 500,000 deep, 15 KiB Authorization headers, numbers that would wrap, unknown parameters), sent by
// a child process, while a well-behaved client polls /healthz and runs short generations. Every
// attack request must be refused with a 4xx; the well-behaved client's p99 stays under 250 ms and
// the attacked process under 512 MiB.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { cpuMs, openFds, peakRssMiB, probe, until } from "../attack/harness.js";
import { startServeProcess, type ServeProcess } from "./serve-process.js";

const ATTACKERS = 24;
const ATTACK_MS = 8000;
const HOSTILE_CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), "hostile-client.js");

describe("attack: hostile JSON, headers and parameters in parallel against weir serve", { timeout: 120_000 }, () => {
  let serve: ServeProcess;
  before(async () => {
    serve = await startServeProcess();
  });
  after(async () => {
    await serve?.stop();
  });

  it("refuses every hostile request with a 4xx while /healthz and short generations keep their p99 under 250 ms and RSS stays under 512 MiB", async () => {
    const pid = serve.child.pid!;
    const fdsBefore = openFds(pid);
    const cpuBefore = cpuMs(pid), started = performance.now();
    const attacker = spawn(process.execPath, [HOSTILE_CLIENT, serve.httpUrl, String(ATTACK_MS), String(ATTACKERS)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    attacker.stdout.on("data", (b: Buffer) => (out += b.toString()));
    const stop = new AbortController();
    try {
      const health = probe((signal) => fetch(`${serve.httpUrl}/healthz`, { signal }).then(async (r) => { assert.equal(r.status, 200); await r.arrayBuffer(); }), stop.signal);
      const generation = probe(async (signal) => {
        const r = await fetch(`${serve.httpUrl}/api/generate?prompt=Hi&max_tokens=2`, { signal });
        assert.equal(r.status, 200);
        assert.match(await r.text(), /event: done/);
      }, stop.signal, { everyMs: 50 });
      const [code] = (await once(attacker, "exit", { signal: AbortSignal.timeout(ATTACK_MS + 30_000) })) as [number | null];
      stop.abort();
      const [h, g] = await Promise.all([health, generation]);
      const cpuShare = (cpuMs(pid) - cpuBefore) / (performance.now() - started);
      console.log(`attack statuses ${out.trim()}; /healthz p50 ${h.p50.toFixed(1)} p99 ${h.p99.toFixed(1)} ms (${h.latencies.length}); ` +
        `generation p50 ${g.p50.toFixed(1)} p99 ${g.p99.toFixed(1)} ms (${g.latencies.length}); peak RSS ${peakRssMiB(pid).toFixed(0)} MiB; serve CPU ${(cpuShare * 100).toFixed(0)}% of a core`);
      assert.equal(code, 0);
      const counts = JSON.parse(out) as Record<string, number>;
      assert.ok(Object.keys(counts).every((s) => /^4\d\d$/.test(s)), `every hostile request is a 4xx: ${out}`);
      assert.ok(Object.values(counts).reduce((a, b) => a + b, 0) >= ATTACKERS * 4, `the attack ran: ${out}`);
      assert.deepEqual([h.failures, g.failures], [[], []]);
      assert.ok(h.p99 < 250, `/healthz p99 ${h.p99.toFixed(1)} ms`);
      assert.ok(g.p99 < 250, `short generation p99 ${g.p99.toFixed(1)} ms`);
      assert.ok(peakRssMiB(pid) < 512, `peak RSS ${peakRssMiB(pid).toFixed(0)} MiB`);
      await until(() => openFds(pid) <= fdsBefore + 4, `the attack's sockets to close (fds ${openFds(pid)}, before ${fdsBefore})`, 10_000);
    } finally {
      stop.abort();
      if (attacker.exitCode === null) attacker.kill("SIGKILL");
    }
  });
});
