// Attack: an unframed (buffered) Thrift message of 8 MiB that arrives in 512-byte chunks. The
// server finds where an unframed message ends by walking it; the walk must resume where it
// stopped, so that the CPU cost is linear in the message (as for the same message framed).
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { UnitReader } from "../../src/transport/thrift/unit-reader.js";
import { Echo } from "../../examples/thrift-echo/service.js";
import { cpuMs, probe } from "./harness.js";
import { callMessage, echoPinger, framed, rawConnect, startEchoProcess, type EchoProcess } from "./thrift-attack.js";

const CHUNK = 512;

/** An echo CALL of about 8 MiB: `kind` "blob" is one binary field, "strings" many small strings to walk. */
function bigMessage(kind: string): Buffer {
  if (kind === "blob") return callMessage(Echo.methods.echo, { value: { blob: Buffer.alloc(8 << 20, 1) } });
  const tags = new Set(Array.from({ length: 800_000 }, (_, i) => `t${i}`));
  return callMessage(Echo.methods.echo, { value: { tags } });
}

/**
 * Send `unit` in 512-byte writes, a millisecond apart so that the server reads them one by one,
 * and wait for one reply unit. Gives up once the server has spent `cpuBudgetMs` on it.
 */
async function sendSlowly(socket: Socket, unit: Buffer, pid: number, cpuBudgetMs: number): Promise<void> {
  const cpuAtStart = cpuMs(pid);
  socket.setNoDelay(true);
  const reader = new UnitReader(64 << 20);
  const replied = new Promise<void>((resolve, reject) => {
    socket.on("data", (d: Buffer) => { reader.push(d); if (reader.next()) resolve(); });
    socket.once("close", () => reject(new Error("the server closed the connection")));
    setTimeout(() => reject(new Error("no reply within 60 s")), 60_000).unref();
  });
  replied.catch(() => {}); // awaited below, unless sending fails first
  for (let i = 0; i < unit.length; i += CHUNK) {
    socket.write(unit.subarray(i, i + CHUNK));
    await delay(1);
    if (i % (256 * CHUNK) === 0 && cpuMs(pid) - cpuAtStart > cpuBudgetMs) throw new Error(`the server spent over ${cpuBudgetMs} ms of CPU on ${i} bytes`);
  }
  await replied;
}

async function cpuOfSlowSend(echo: EchoProcess, unit: Buffer, cpuBudgetMs: number): Promise<number> {
  const socket = await rawConnect(echo.port);
  try {
    const before = cpuMs(echo.pid);
    await sendSlowly(socket, unit, echo.pid, cpuBudgetMs);
    return cpuMs(echo.pid) - before;
  } finally {
    socket.destroy();
  }
}

describe("attack: an 8 MiB unframed Thrift message in 512-byte chunks", { timeout: 300_000 }, () => {
  let echo: EchoProcess;
  let pinger: ReturnType<typeof echoPinger>;
  before(async () => {
    echo = await startEchoProcess();
    pinger = echoPinger(echo.target);
  });
  after(async () => {
    await pinger?.close();
    await echo?.stop();
  });

  for (const kind of ["blob", "strings"]) {
    it(`${kind}: costs about what the same message framed costs; other clients are served meanwhile`, async () => {
      const message = bigMessage(kind);
      assert.ok(message.length > 7 << 20, `${message.length} bytes`);
      const stop = new AbortController();
      const probing = probe(pinger.ping, stop.signal); // during both sends, so that both pay for it
      const framedCpu = await cpuOfSlowSend(echo, framed(message), 20_000).catch((e) => { stop.abort(); throw e; });
      const bufferedCpu = await cpuOfSlowSend(echo, message, 2 * framedCpu + 2000).finally(() => stop.abort());
      const r = await probing;
      console.log(`${kind}, ${(message.length / 2 ** 20).toFixed(1)} MiB in ${CHUNK}-byte chunks: server CPU framed ${framedCpu.toFixed(0)} ms, buffered ${bufferedCpu.toFixed(0)} ms; probe p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms`);
      assert.ok(bufferedCpu < 1.5 * framedCpu + 300, `buffered ${bufferedCpu.toFixed(0)} ms vs framed ${framedCpu.toFixed(0)} ms of CPU`);
      assert.deepEqual(r.failures, []);
      // Decoding 800,000 strings in the handler blocks the loop whatever the transport: only the blob is timed.
      if (kind === "blob") assert.ok(r.p99 < 250, `p99 ${r.p99.toFixed(1)} ms`);
    });
  }
});
