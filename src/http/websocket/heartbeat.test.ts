// Liveness of WebSockets (issue 10, defect 8): a peer that does not answer pings is dropped, an
// idle socket is closed, and neither happens to a socket that is alive but paused or busy.
import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import WebSocket from "ws";
import { Code, RpcError } from "../../core/index.js";
import { connectWebSocket } from "./accept.js";
import { sendUntilStalled, stillPendingAfter, wsServers } from "./test-server.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const server = wsServers();

/** Resolves with the socket's close code and reason, or rejects after `ms`. */
function closeOf(ws: WebSocket, ms: number): Promise<[number, string]> {
  return Promise.race([
    onceWithin(ws, "close").then(([code, reason]) => [code as number, String(reason)] as [number, string]),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms).unref()),
  ]);
}

/** Slack for timers on a loaded machine. */
const SLACK_MS = 1500;

describe("WebSocket ping/pong and idle timeout", { timeout: 30_000 }, () => {
  it("drops a peer that does not answer pings within pingIntervalMs + pongTimeoutMs", async () => {
    const s = await server({ pingIntervalMs: 100, pongTimeoutMs: 150 });
    const silent = new WebSocket(`${s.base}/ws`, { autoPong: false });
    await onceWithin(silent, "open");
    const start = Date.now();
    const ch = await s.next();
    const [code] = await closeOf(silent, 250 + SLACK_MS);
    assert.equal(code, 1006, "dropped without a close frame");
    assert.ok(Date.now() - start >= 240, `dropped after ${Date.now() - start} ms, before a ping could be answered`);
    const reason = ch.signal.reason as RpcError;
    assert.equal(reason.code, Code.Unavailable);
    assert.match(reason.rawMessage, /did not answer a ping within 150 ms/);
  });

  it("keeps a peer that answers pings", async () => {
    const s = await server({ pingIntervalMs: 100, pongTimeoutMs: 150 });
    const client = await connectWebSocket(`${s.base}/ws`);
    let pings = 0;
    client.socket.on("ping", () => pings++);
    assert.equal(await stillPendingAfter(onceWithin(client.socket, "close"), 800), true, "closed while answering pings");
    assert.ok(pings >= 2, `${pings} pings in 800 ms`);
  });

  it("does not drop a socket paused for backpressure for a pong it cannot read", async () => {
    const s = await server({ pingIntervalMs: 100, pongTimeoutMs: 100, maxQueuedBytes: 64 << 10 });
    const client = await connectWebSocket(`${s.base}/ws`);
    const ch = await s.next();
    const msg = "p".repeat(32 << 10);
    await sendUntilStalled(() => client.send(msg), msg.length);
    assert.equal(ch.hearing, false);
    assert.equal(await stillPendingAfter(once(ch.signal, "abort"), 600), true, "dropped while paused");
    let n = 0;
    for await (const _ of ch) if (++n === 3) break; // reads on, hears pongs again, closes with 1000
    assert.equal(ch.signal.aborted, false);
  });

  it("drops a peer that does not answer the server's close within pongTimeoutMs", async () => {
    const s = await server({ pongTimeoutMs: 200 });
    const client = await connectWebSocket(`${s.base}/ws`);
    const ch = await s.next();
    client.socket.pause(); // never reads the close frame
    const start = Date.now();
    ch.close(1000, "done");
    await closeOf(ch.socket, 200 + SLACK_MS);
    assert.ok(Date.now() - start >= 190, `dropped after ${Date.now() - start} ms`);
    client.socket.terminate();
  });

  it("closes a socket with no message either way for idleTimeoutMs with 1001; messages keep it open", async () => {
    const s = await server({ idleTimeoutMs: 500, pingIntervalMs: 0 });
    const busy = await connectWebSocket(`${s.base}/ws`);
    await s.next();
    const busyClosed = onceWithin(busy.socket, "close");
    const keepBusy = (async () => {
      for (let i = 0; i < 12; i++) {
        await busy.send("still here");
        assert.equal(await stillPendingAfter(busyClosed, 100), true, "a socket with traffic was closed as idle");
      }
    })();
    const idle = new WebSocket(`${s.base}/ws`);
    await onceWithin(idle, "open");
    const start = Date.now();
    const idleChannel = await s.next();
    const [code, reason] = await closeOf(idle, 500 + SLACK_MS);
    assert.equal(code, 1001);
    assert.match(reason, /idle for 500 ms/);
    assert.ok(Date.now() - start >= 450, `closed after ${Date.now() - start} ms`);
    assert.equal((idleChannel.signal.reason as RpcError).code, Code.DeadlineExceeded);
    await keepBusy;
    const [busyCode] = await closeOf(busy.socket, 500 + SLACK_MS);
    assert.equal(busyCode, 1001);
  });
});
