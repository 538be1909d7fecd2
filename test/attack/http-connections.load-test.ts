// Idle and slowloris connections against `weir serve`'s HTTP port: more sockets than its
// connection limit, held open and reopened when closed. Before, Node's server kept a socket that
// never sent a byte forever, and 1030 of them locked every client out under a 1024 file limit;
// now a new connection makes the oldest idle one give way, and the timeouts close the rest.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startServeProcess, type ServeProcess } from "../e2e/serve-process.js";
import { openFds, peakRssMiB, probeDuring, runAttacker } from "./harness.js";

const ATTACK_MS = 6000;
const SOCKETS = 1100;
const MAX_CONNECTIONS = 960; // under the 1024 open files the server runs with, with room for its other files

describe("idle and slowloris HTTP connections do not lock clients out of weir serve", { timeout: 120_000 }, () => {
  let serve: ServeProcess;
  before(async () => {
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", `--max-http-connections=${MAX_CONNECTIONS}`], fileLimit: 1024 });
  });
  after(async () => {
    await serve?.stop();
  });

  it(`${SOCKETS} held sockets for ${ATTACK_MS / 1000} s: /healthz and the chat page keep p99 < 250 ms`, async () => {
    const url = new URL(serve.httpUrl);
    const fdsBefore = openFds(serve.child.pid!);
    const { reports: [health, page], attack } = await probeDuring(
      runAttacker("idle-socket-attacker.js", [url.hostname, url.port, String(SOCKETS), String(ATTACK_MS)], ATTACK_MS + 10_000),
      [
        async (signal) => {
          const res = await fetch(`${serve.httpUrl}/healthz`, { signal, headers: { connection: "close" } });
          assert.equal(res.status, 200);
          await res.arrayBuffer();
        },
        async (signal) => {
          const res = await fetch(`${serve.httpUrl}/`, { signal, headers: { connection: "close" } });
          assert.equal(res.status, 200);
          await res.arrayBuffer();
        },
      ],
    );
    const counts = attack as { opened: number; closedByServer: number };
    const fds = openFds(serve.child.pid!);
    console.log(`# healthz p50 ${health!.p50.toFixed(0)} p99 ${health!.p99.toFixed(0)} ms (${health!.latencies.length}), page p99 ${page!.p99.toFixed(0)} ms; ` +
      `attack ${JSON.stringify(counts)}; fds ${fdsBefore} before, ${fds} after; peak RSS ${peakRssMiB(serve.child.pid!).toFixed(0)} MiB`);
    assert.deepEqual(health!.failures, []);
    assert.deepEqual(page!.failures, []);
    assert.ok(health!.p99 < 250, `healthz p99 ${health!.p99.toFixed(0)} ms`);
    assert.ok(page!.p99 < 250, `page p99 ${page!.p99.toFixed(0)} ms`);
    assert.ok(counts.closedByServer >= SOCKETS - MAX_CONNECTIONS, "the server closed sockets past its limit");
    assert.ok(peakRssMiB(serve.child.pid!) < 512);
  });
});
