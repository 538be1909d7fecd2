// Attack: Apache THeader frames whose zlib payload inflates to the frame limit, from a few bytes.
// Listing the zlib transform twice made a 189-byte frame inflate 16 MiB, synchronously on the
// event loop. Repeated transforms must be refused, inflating must stay off the event loop and be
// bounded, so that other clients are served meanwhile.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateSync } from "node:zlib";
import { encodeTHeader } from "../../src/transport/thrift/theader.js";
import { Echo } from "../../examples/thrift-echo/service.js";
import { cpuMs, peakRssMiB, probe, type ProbeReport } from "./harness.js";
import { callMessage, echoPinger, rawConnect, startEchoProcess, type EchoProcess } from "./thrift-attack.js";
import { onceWithin } from "../helpers/wait.js";

const FRAMES = 128;

/** A THeader frame (binary) whose payload is `payload`, as is, with `transforms` listed. */
function rawTHeader(transforms: readonly number[], payload: Buffer): Buffer {
  const info = Buffer.from([0, transforms.length, ...transforms]);
  const padded = Buffer.concat([info, Buffer.alloc((4 - (info.length % 4)) % 4)]);
  const head = Buffer.alloc(14);
  head.writeUInt32BE(10 + padded.length + payload.length, 0);
  head.writeUInt16BE(0x0fff, 4);
  head.writeInt32BE(1, 8);
  head.writeUInt16BE(padded.length / 4, 12);
  return Buffer.concat([head, padded, payload]);
}

/**
 * Send each frame on a connection of its own, all at once, and again until `forMs` have passed;
 * resolves when the server has closed or answered each.
 */
async function sendEach(echo: EchoProcess, frames: readonly Buffer[], forMs: number): Promise<void> {
  const end = Date.now() + forMs;
  do await sendRound(echo, frames); while (Date.now() < end);
}

async function sendRound(echo: EchoProcess, frames: readonly Buffer[]): Promise<void> {
  await Promise.all(frames.map(async (frame) => {
    const s = await rawConnect(echo.port);
    s.on("error", () => {});
    s.resume();
    const done = Promise.race([onceWithin(s, "close"), onceWithin(s, "data")]);
    s.write(frame);
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error("no answer within 60 s")), 60_000).unref())]);
    s.destroy();
  }));
}

async function attack(echo: EchoProcess, frames: readonly Buffer[], forMs = 0): Promise<{ cpu: number; r: ProbeReport }> {
  const pinger = echoPinger(echo.target);
  try {
    await pinger.ping(AbortSignal.timeout(5000));
    const stop = new AbortController();
    const probing = probe(pinger.ping, stop.signal);
    const before = cpuMs(echo.pid);
    await sendEach(echo, frames, forMs).finally(() => stop.abort());
    return { cpu: cpuMs(echo.pid) - before, r: await probing };
  } finally {
    await pinger.close();
  }
}

describe("attack: THeader zlib bombs", { timeout: 300_000 }, () => {
  it(`${FRAMES} frames of under 200 bytes listing zlib twice, again and again for 3 s, are refused cheaply`, async () => {
    const echo = await startEchoProcess();
    try {
      const payload = deflateSync(deflateSync(Buffer.alloc(17 << 20)));
      const frame = rawTHeader([1, 1], payload);
      assert.ok(frame.length < 200, `${frame.length} bytes`);
      const { cpu, r } = await attack(echo, Array.from({ length: FRAMES }, () => frame), 3000);
      const peak = peakRssMiB(echo.pid);
      console.log(`rounds of ${FRAMES} x ${frame.length}-byte frames, zlib twice, for 3 s: server CPU ${cpu.toFixed(0)} ms, peak RSS ${peak.toFixed(0)} MiB; probe p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms over ${r.latencies.length}`);
      assert.ok(cpu < 3000, `${cpu.toFixed(0)} ms of CPU in 3 s`);
      assert.deepEqual(r.failures, []);
      assert.ok(r.p99 < 250, `p99 ${r.p99.toFixed(1)} ms`);
      assert.ok(peak < 512, `peak RSS ${peak.toFixed(0)} MiB`);
    } finally {
      await echo.stop();
    }
  });

  it(`${FRAMES} calls of 16 KiB inflating to about the 16 MiB frame limit are served off the event loop`, async () => {
    const echo = await startEchoProcess();
    try {
      const call = callMessage(Echo.methods.ping, { msg: "a".repeat((16 << 20) - 1024) });
      const frame = encodeTHeader({ seqId: 1, protocolId: 0, transforms: [1] }, call);
      assert.ok(frame.length < 20 << 10, `${frame.length} bytes`);
      const { cpu, r } = await attack(echo, Array.from({ length: FRAMES }, () => frame));
      const peak = peakRssMiB(echo.pid);
      console.log(`${FRAMES} x ${frame.length}-byte frames inflating to 16 MiB: server CPU ${cpu.toFixed(0)} ms, peak RSS ${peak.toFixed(0)} MiB; probe p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms over ${r.latencies.length}`);
      assert.deepEqual(r.failures, []);
      assert.ok(r.p99 < 250, `p99 ${r.p99.toFixed(1)} ms`);
      assert.ok(peak < 512, `peak RSS ${peak.toFixed(0)} MiB`);
    } finally {
      await echo.stop();
    }
  });
});
