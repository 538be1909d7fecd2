// Memory bounds of WebSockets (issue 10, defect 2): a socket stops reading at a byte bound of
// unread messages, all sockets of a server stop at a shared byte bound, a producer that does not
// wait for send() is cut off, and a peer that floods after a close is dropped.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { connectWebSocket } from "./accept.js";
import type { WebSocketChannel } from "./channel.js";
import { sendUntilStalled, wsServers } from "./test-server.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const server = wsServers();

/** Read `bytes` of messages from `ch` (then close it). */
async function drain(ch: WebSocketChannel, bytes: number): Promise<void> {
  let received = 0;
  for await (const m of ch) {
    received += m.length;
    if (received >= bytes) break;
  }
  assert.equal(received, bytes);
}

const KiB = 1 << 10;

describe("WebSocket backpressure and memory bounds", { timeout: 60_000 }, () => {
  it("closes a socket that sends a message over maxPayload with 1009", async () => {
    const s = await server({ maxPayload: 1024 });
    const client = await connectWebSocket(`${s.base}/ws`);
    const ch = await s.next();
    await client.send("x".repeat(1024));
    await client.send("y".repeat(1025));
    await assert.rejects(async () => { for await (const _ of client); }, /closed with code 1009/);
    assert.deepEqual(ch.queued, { messages: 1, bytes: 1024 }, "only the message within the limit arrived");
  });

  it("stops reading a socket once maxQueuedBytes are unread (bytes, not messages), and reads on when the reader catches up", async () => {
    const s = await server({ maxQueuedBytes: 256 * KiB, maxQueuedMessages: 1000 });
    const client = await connectWebSocket(`${s.base}/ws`);
    const ch = await s.next();
    const msg = "q".repeat(64 * KiB);
    const sent = await sendUntilStalled(() => client.send(msg), msg.length);
    assert.equal(ch.hearing, false, "the server still reads the socket");
    const { bytes, messages } = ch.queued;
    assert.ok(bytes >= 256 * KiB && bytes <= 256 * KiB + 2 * 64 * KiB, `${bytes} bytes queued`);
    assert.ok(messages <= 6, `${messages} messages queued`);
    await drain(ch, sent); // only possible if reading resumed
  });

  it("stops reading every socket of a server once they hold maxTotalBytes together, and resumes them all as it frees", async () => {
    const s = await server({ maxTotalBytes: 1 << 20, maxQueuedBytes: 16 << 20, maxQueuedMessages: 10_000 });
    const clients = await Promise.all([1, 2, 3].map(() => connectWebSocket(`${s.base}/ws`)));
    const channels = [await s.next(), await s.next(), await s.next()];
    const msg = "t".repeat(128 * KiB);
    const sent = await Promise.all(clients.map((c) => sendUntilStalled(() => c.send(msg), msg.length)));
    const held = s.acceptor.stats().bytes;
    assert.ok(held >= 1 << 20 && held <= (1 << 20) + 3 * 192 * KiB, `the sockets hold ${held} bytes`);
    assert.deepEqual(channels.map((c) => c.hearing), [false, false, false]);
    assert.ok(channels.every((c) => c.queued.bytes < 16 << 20), "a socket hit its own bound, not the shared one");
    await Promise.all(channels.map((c, i) => drain(c, sent[i]!)));
    await Promise.all(channels.map((c) => (c.socket.readyState === c.socket.CLOSED ? undefined : onceWithin(c.socket, "close"))));
    assert.equal(s.acceptor.stats().bytes, 0);
  });

  it("cuts off a producer that does not wait for send() at maxBufferedBytes: RESOURCE_EXHAUSTED, close 1008", async () => {
    const s = await server({ maxBufferedBytes: 256 * KiB, highWaterMark: 16 * KiB });
    const client = await connectWebSocket(`${s.base}/ws`);
    const ch = await s.next();
    client.socket.pause(); // the peer reads nothing
    const msg = "o".repeat(32 * KiB);
    let sent = 0;
    while (!ch.signal.aborted && sent < 256 << 20) {
      ch.send(msg).catch(() => {});
      sent += msg.length;
      assert.ok(ch.bufferedAmount <= 256 * KiB + msg.length, `${ch.bufferedAmount} bytes buffered`);
    }
    const reason = ch.signal.reason as RpcError;
    assert.equal(reason.code, Code.ResourceExhausted, String(reason));
    assert.match(reason.rawMessage, /not reading/);
    client.socket.resume();
    await assert.rejects(async () => { for await (const _ of client); }, /closed with code 1008/);
  });

  it("drops what a peer sends after the server's close, and cuts off a peer that keeps sending instead of closing", async () => {
    const s = await server({ highWaterMark: 64 * KiB, pongTimeoutMs: 60_000 });
    const client = await connectWebSocket(`${s.base}/ws`);
    const ch = await s.next();
    client.socket.pause(); // never sees the close frame, so never answers it
    ch.close(1000, "done");
    const closed = onceWithin(client.socket, "close");
    const msg = "d".repeat(64 * KiB);
    const start = Date.now();
    while (client.socket.readyState === client.socket.OPEN && Date.now() - start < 20_000) await client.send(msg).catch(() => {});
    client.socket.resume();
    const [code] = (await closed) as [number];
    assert.equal(code, 1006, "the server dropped the connection rather than waiting for the close frame");
    assert.ok(Date.now() - start < 20_000, "cut off long before the close timeout");
    assert.equal(ch.queued.messages, 0, "messages after close() were queued");
  });
});
