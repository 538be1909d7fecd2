// Attack: a Thrift client pipelines requests on one connection and never reads the replies. The
// server must stop reading that connection once its unsent replies pass a bound, so its memory stays
// bounded, and keep serving everyone else.
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { describe, it } from "node:test";
import { createClient } from "../../src/index.js";
import { generationThriftDescriptor } from "../../src/serving/generation/index.js";
import { createThriftTransport } from "../../src/transport/thrift/client.js";
import { Echo } from "../../examples/thrift-echo/service.js";
import { startServeProcess } from "../e2e/serve-process.js";
import { peakRssMiB, probe, rssMiB, type ProbeReport } from "./harness.js";
import { callMessage, echoPinger, framed, rawConnect, startEchoProcess, writeOrStall } from "./thrift-attack.js";

const RSS_CEILING_MIB = 512;
const P99_BOUND_MS = 250;
/** The attack goes on this long after the server stopped taking bytes. */
const HOLD_MS = 1500;

/**
 * Write `unit` up to `count` times on `socket`, never reading; stops early when the server stops
 * taking bytes (2 s without drain) or the target's RSS passes the ceiling. Returns the units sent.
 */
async function pipeline(socket: Socket, unit: Buffer, count: number, pid: number): Promise<{ sent: number; stalled: boolean }> {
  socket.pause();
  for (let sent = 0; sent < count; sent++) {
    if (!(await writeOrStall(socket, unit, 2000))) return { sent, stalled: true };
    if (rssMiB(pid) > RSS_CEILING_MIB) return { sent, stalled: false };
  }
  return { sent: count, stalled: false };
}

/** Run `attack` while a well-behaved client probes; then check the server stopped reading, its RSS and the probe's p99. */
async function underAttack(name: string, pid: number, request: (signal: AbortSignal) => Promise<unknown>, attack: () => Promise<{ sent: number; stalled: boolean }>): Promise<void> {
  const stop = new AbortController();
  const probing = probe(request, stop.signal);
  let outcome: { sent: number; stalled: boolean };
  let r: ProbeReport;
  try {
    outcome = await attack();
    await delay(HOLD_MS); // the attack goes on, stalled, while the probe measures
  } finally {
    stop.abort();
    r = await probing;
  }
  const peak = peakRssMiB(pid);
  console.log(`${name}: ${outcome.sent} units sent before the server stopped reading; peak RSS ${peak.toFixed(0)} MiB; probe p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms over ${r.latencies.length}`);
  assert.ok(outcome.stalled, `the server kept reading: ${outcome.sent} units taken`);
  assert.ok(peak < RSS_CEILING_MIB, `peak RSS ${peak.toFixed(0)} MiB`);
  assert.deepEqual(r.failures, []);
  assert.ok(r.p99 < P99_BOUND_MS, `p99 ${r.p99.toFixed(1)} ms`);
}

describe("attack: a Thrift client pipelines requests and never reads the replies", { timeout: 120_000 }, () => {
  it("echo example: 800 × 1 MiB echoes on one connection stall the attacker, not the server", async () => {
    const echo = await startEchoProcess();
    const pinger = echoPinger(echo.target);
    const attacker = await rawConnect(echo.port);
    try {
      await pinger.ping(AbortSignal.timeout(5000));
      const unit = framed(callMessage(Echo.methods.echo, { value: { blob: Buffer.alloc(1 << 20, 7) } }));
      await underAttack("echo, 1 MiB echo calls", echo.pid, pinger.ping, () => pipeline(attacker, unit, 800, echo.pid));
    } finally {
      attacker.destroy();
      await pinger.close();
      await echo.stop();
    }
  });

  it("weir serve's model port: pipelined ListModels calls stall the attacker, not the server", async () => {
    const serve = await startServeProcess();
    const pid = serve.child.pid!;
    const port = Number(serve.rpcAddress.split(":").pop());
    const Generation = generationThriftDescriptor();
    const transport = createThriftTransport({ target: serve.rpcAddress, transport: "ttheader", maxConnections: 1 });
    const client = createClient(Generation, transport);
    const attacker = await rawConnect(port);
    try {
      const one = framed(callMessage(Generation.methods.ListModels, { req: {} }));
      const unit = Buffer.concat(Array.from({ length: Math.ceil((256 << 10) / one.length) }, () => one));
      const listModels = async (signal: AbortSignal) => client.ListModels({ req: {} } as never, { signal });
      await underAttack(`serve, ${unit.length}-byte runs of ListModels calls`, pid, listModels, () => pipeline(attacker, unit, 8000, pid));
    } finally {
      attacker.destroy();
      await transport.close();
      await serve.stop();
    }
  });
});
