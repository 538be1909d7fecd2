// Attack: 1100 sockets that send 8 bytes of the HTTP/2 preface and nothing more, against a server
// whose process may open 1024 files. Before handshake timeouts and the connection cap, they held
// every descriptor and locked every other client out. Now a well-behaved unary call on a new
// connection completes within 250 ms at p99 during the attack, the server's descriptors stay
// under its cap, and the attacking sockets are closed once the handshake timeout passes.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { openFds, until } from "../../../test/attack/harness.js";
import { GRPC_SERVER_DEFAULTS } from "./server-options.js";
import { describeAttack, startAttackedServer, underAttack, unaryOnNewConnection } from "./server-attack-fixture.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const SOCKETS = 1100;
const HANDSHAKE_TIMEOUT_MS = 3000;
const PARTIAL_PREFACE = Buffer.from("PRI * HT", "latin1");

/** Open `n` sockets that each send 8 bytes of preface; resolves once all are connected. */
async function openSilentSockets(port: number, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => {
      const s = connect(port, "127.0.0.1");
      s.on("error", () => {});
      s.resume();
      sockets.push(s);
      return onceWithin(s, "connect").then(() => void s.write(PARTIAL_PREFACE));
    });
    await Promise.all(batch);
  }
  return sockets;
}

describe("attack: sockets that never finish the HTTP/2 handshake", { timeout: 120_000 }, () => {
  for (const mode of ["listen", "one-port"] as const) {
    it(`${mode}: 1100 partial prefaces under a 1024-file limit lock nobody out`, async (t) => {
      const server = await startAttackedServer({ handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS }, { mode, nofile: 1024 });
      let sockets: Socket[] = [];
      try {
        const fdsBefore = openFds(server.pid);
        sockets = await openSilentSockets(server.port, SOCKETS);
        // The burst of 1100 connects can overflow the kernel's accept queue (a SYN retried after 1 s,
        // whatever the server does): measure once the server has taken the burst, while it holds it.
        await unaryOnNewConnection(server.port, AbortSignal.timeout(5000));
        let maxFds = 0;
        const sampler = setInterval(() => (maxFds = Math.max(maxFds, openFds(server.pid))), 20);
        // The attack: its sockets held open for 1.5 s while a well-behaved client calls on new connections.
        const a = await underAttack(server.pid, (signal) => unaryOnNewConnection(server.port, signal), () => delay(1500));
        clearInterval(sampler);
        t.diagnostic(`${describeAttack(a)}; server fds ${fdsBefore} before, ${maxFds} at most`);
        assert.deepEqual(a.probe.failures, [], "every well-behaved call succeeded");
        assert.ok(a.probe.latencies.length >= 20, `only ${a.probe.latencies.length} probes`);
        assert.ok(a.probe.p99 < 250, `p99 ${a.probe.p99.toFixed(1)} ms`);
        assert.ok(a.rssPeakMiB < 512, `RSS ${a.rssPeakMiB.toFixed(0)} MiB`);
        const cap = GRPC_SERVER_DEFAULTS.maxConnections;
        assert.ok(maxFds < fdsBefore + cap + 64, `the server held ${maxFds} descriptors (cap ${cap}, ${fdsBefore} before)`);
        // Every attacking socket is closed by the server: evicted at the cap, or at the handshake timeout.
        const t0 = performance.now();
        await until(() => sockets.every((s) => s.closed), "every attacking socket closed", HANDSHAKE_TIMEOUT_MS + 5000);
        t.diagnostic(`every attacking socket closed ${(performance.now() - t0).toFixed(0)} ms after the probes`);
        await until(() => openFds(server.pid) <= fdsBefore + 2, `descriptors back to ${fdsBefore}`, 5000);
      } finally {
        for (const s of sockets) s.destroy();
        await server.stop();
      }
    });
  }
});
