import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { connectWebSocket, type AcceptWebSocketsOptions } from "./accept.js";
import type { WebSocketChannel } from "./channel.js";
import { stillPendingAfter, wsServers } from "./test-server.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const server = wsServers();

/** A server accepting /ws; returns its base URL. */
async function wsServer(onChannel: (ch: WebSocketChannel) => void | Promise<void>, options: Partial<AcceptWebSocketsOptions> = {}) {
  return (await server(options, onChannel)).base;
}

describe("WebSocket channel", { timeout: 20_000 }, () => {
  it("echoes text and binary messages", async () => {
    const base = await wsServer(async (ch) => { for await (const m of ch) await ch.send(m); });
    const client = await connectWebSocket(`${base}/ws`);
    await client.send("hello");
    await client.send(Uint8Array.of(1, 2, 3));
    const got: unknown[] = [];
    for await (const m of client) {
      got.push(typeof m === "string" ? m : [...m]);
      if (got.length === 2) break;
    }
    assert.deepEqual(got, ["hello", [1, 2, 3]]);
  });

  it("refuses other paths with 404 and closes with 1011 when the handler throws", async () => {
    const base = await wsServer(() => { throw new RpcError(Code.Internal, "handler failed"); });
    await assert.rejects(connectWebSocket(`${base}/other`), (e: unknown) => e instanceof RpcError && /HTTP 404/.test(e.message));
    const client = await connectWebSocket(`${base}/ws`);
    const [code, reason] = (await onceWithin(client.socket, "close")) as [number, Buffer];
    assert.equal(code, 1011);
    assert.equal(reason.toString(), "handler failed");
  });

  it("send() stops settling while the peer does not read, with bounded buffering", async () => {
    let server: WebSocketChannel | undefined;
    let ready!: () => void;
    const arrived = new Promise<void>((r) => (ready = r));
    const base = await wsServer((ch) => { server = ch; ready(); }, { highWaterMark: 64 << 10 });
    const client = await connectWebSocket(`${base}/ws`);
    await arrived;
    client.socket.pause(); // the client stops reading from TCP
    const payload = "y".repeat(64 << 10);
    let sent = 0;
    let stalled = false;
    while (sent < 64 << 20) {
      const p = server!.send(payload);
      sent += payload.length;
      if (await stillPendingAfter(p, 300)) { stalled = true; break; }
    }
    assert.equal(stalled, true);
    assert.ok(sent < 32 << 20, `sent ${sent} bytes to a peer that reads nothing`);
    assert.ok(server!.bufferedAmount <= (64 << 10) * 2 + sent); // never more than what was handed over
    client.socket.resume();
    let received = 0;
    for await (const m of client) {
      received += (m as string).length;
      if (received === sent) break;
    }
    assert.equal(received, sent);
  });

  it("pauses a socket whose reader falls behind, so the sender feels it", async () => {
    let server: WebSocketChannel | undefined;
    let ready!: () => void;
    const arrived = new Promise<void>((r) => (ready = r));
    const base = await wsServer((ch) => { server = ch; ready(); }, { maxQueuedMessages: 4 });
    const client = await connectWebSocket(`${base}/ws`, { highWaterMark: 64 << 10 });
    await arrived;
    const payload = "z".repeat(64 << 10);
    let sent = 0;
    let stalled = false;
    while (sent < 64 << 20) {
      const p = client.send(payload);
      sent += payload.length;
      if (await stillPendingAfter(p, 300)) { stalled = true; break; }
    }
    assert.equal(stalled, true, "the client kept sending into a server that reads nothing");
    let received = 0;
    for await (const m of server!) {
      received += (m as string).length;
      if (received === sent) break;
    }
    assert.equal(received, sent);
  });

  it("aborts the server channel's signal when the client goes away, and closes on an abort", async () => {
    let server: WebSocketChannel | undefined;
    const controller = new AbortController();
    let ready!: () => void;
    const arrived = new Promise<void>((r) => (ready = r));
    const base = await wsServer((ch) => { server = ch; ready(); });
    const first = await connectWebSocket(`${base}/ws`);
    await arrived;
    first.socket.terminate();
    await once(server!.signal, "abort");
    assert.equal((server!.signal.reason as RpcError).code, Code.Unavailable);
    const second = await connectWebSocket(`${base}/ws`, { signal: controller.signal });
    controller.abort();
    const got: unknown[] = [];
    for await (const m of second) got.push(m);
    assert.deepEqual(got, []);
    assert.equal(second.socket.readyState, second.socket.CLOSED);
  });
});
