// The gateway's WebSocket limits (issue 10, defects 2, 8, 12) in front of a real model server:
// cross-origin upgrades refused with 403, a cap on sockets (503), bytes held per socket while the
// call does not read, and an idle socket closed with its call cancelled.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { createGateway, type Gateway } from "../../src/gateway/index.js";
import { connectWebSocket } from "../../src/http/index.js";
import { sendUntilStalled, waitFor } from "../../src/http/websocket/test-server.js";
import type { Middleware, ServerCallContext } from "../../src/rpc/index.js";
import { Code, RpcError } from "../../src/core/index.js";
import { closeHttp, listenHttp, probeService, startModelServer, type ModelServer } from "./fixture.js";
import { within } from "../helpers/wait.js";

describe("gateway: WebSocket limits", { timeout: 30_000 }, () => {
  let model: ModelServer;
  let gateway: Gateway;
  let server: http.Server;
  let ws: string;
  const cancelled: string[] = [];
  /** Records the x-request-id of the server calls that were cancelled. */
  const watch: Middleware<ServerCallContext> = (next) => (call) => {
    const id = call.ctx.requestMetadata.getString("x-request-id") ?? "";
    call.ctx.signal.addEventListener("abort", () => cancelled.push(id), { once: true });
    return next(call);
  };

  before(async () => {
    model = await startModelServer({ middleware: [watch] });
    gateway = createGateway({
      services: [probeService],
      transport: model.transport,
      routes: [{ path: "/probe-ws", rpc: "Probe/Bidi" }, { path: "/probe-stream-ws", rpc: "Probe/Server", as: "websocket" }],
      websocket: { maxSockets: 3, maxQueuedBytes: 128 << 10, allowedOrigins: ["https://app.example"] },
    });
    server = http.createServer(gateway.handle).on("upgrade", gateway.handleUpgrade);
    ws = (await listenHttp(server)).replace("http", "ws");
  });
  after(async () => {
    await gateway?.close();
    if (server) await closeHttp(server);
    await model?.close();
  });

  /** One bidi round trip: "a" in, "A" out. */
  async function roundTrip(headers?: Record<string, string>): Promise<void> {
    const ch = await connectWebSocket(`${ws}/probe-ws`, { headers });
    await ch.send(JSON.stringify({ text: "a" }));
    for await (const m of ch) {
      assert.equal(JSON.parse(m as string).text, "A");
      break;
    }
  }

  it("refuses a cross-origin page with 403 and a JSON error; its own origin, a listed one and clients without Origin are served", async () => {
    await assert.rejects(roundTrip({ origin: "https://evil.example" }), (e: unknown) =>
      e instanceof RpcError && e.code === Code.PermissionDenied && /HTTP 403: cross-origin WebSocket from "https:\/\/evil.example" refused/.test(e.message));
    await roundTrip({ origin: ws.replace("ws:", "http:") });
    await roundTrip({ origin: "https://app.example" });
    await roundTrip();
  });

  it("refuses upgrades past websocket.maxSockets with 503 and counts them in webSocketStats()", async () => {
    await waitFor(() => gateway.webSocketStats().sockets === 0, "earlier sockets to close");
    const open = await Promise.all([1, 2, 3].map(() => connectWebSocket(`${ws}/probe-ws`)));
    assert.equal(gateway.webSocketStats().sockets, 3);
    await assert.rejects(connectWebSocket(`${ws}/probe-ws`), (e: unknown) =>
      e instanceof RpcError && e.code === Code.Unavailable && /HTTP 503: too many WebSockets open \(3\)/.test(e.message));
    for (const ch of open) ch.close();
    await waitFor(() => gateway.webSocketStats().sockets === 0, "the sockets to close");
    await roundTrip();
  });

  it("stops reading a socket whose call does not take its messages, at websocket.maxQueuedBytes", async () => {
    const ch = await connectWebSocket(`${ws}/probe-stream-ws`);
    await ch.send(JSON.stringify({ text: "x", count: 1, delay_ms: 20_000 })); // the call reads this one only
    const msg = "m".repeat(32 << 10);
    await sendUntilStalled(() => ch.send(msg), msg.length);
    const held = gateway.webSocketStats().bytes;
    assert.ok(held <= (128 << 10) + 2 * (64 << 10), `the gateway holds ${held} bytes for one socket`);
    ch.close();
  });

  it("closes a socket idle for websocket.idleTimeoutMs with 1001 and cancels its call", async (t) => {
    const idle = createGateway({
      services: [probeService], transport: model.transport, routes: [{ path: "/probe-stream-ws", rpc: "Probe/Server", as: "websocket" }],
      websocket: { idleTimeoutMs: 400 },
    });
    const idleServer = http.createServer(idle.handle).on("upgrade", idle.handleUpgrade);
    const idleWs = (await listenHttp(idleServer)).replace("http", "ws");
    t.after(async () => {
      await idle.close();
      await closeHttp(idleServer);
    });
    const ch = await connectWebSocket(`${idleWs}/probe-stream-ws`, { headers: { "x-request-id": "idle-1" } });
    await ch.send(JSON.stringify({ text: "x", count: 1, delay_ms: 20_000 })); // no message either way for 20 s
    const start = Date.now();
    const closed = within(new Promise<[number, string]>((resolve) => ch.socket.once("close", (code, reason) => resolve([code, String(reason)]))), "the idle close");
    const [code, reason] = await closed;
    assert.equal(code, 1001);
    assert.match(reason, /idle for 400 ms/);
    assert.ok(Date.now() - start < 400 + 2000, `closed after ${Date.now() - start} ms`);
    await waitFor(() => cancelled.includes("idle-1"), "the upstream call to be cancelled");
  });

  it("checks its websocket options at construction", () => {
    assert.throws(() => createGateway({ routes: [], websocket: { maxSockets: -1 } }), /gateway option websocket.maxSockets must be an integer >= 1, got -1/);
    assert.throws(() => createGateway({ routes: [], websocket: { allowedOrigins: ["*.example"] } }), /gateway option websocket.allowedOrigins: "\*.example" is not an origin/);
  });
});
