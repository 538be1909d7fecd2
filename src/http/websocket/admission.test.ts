// Who may open a WebSocket (issue 10, defects 2 and 12): Origin and Host checks (403), the cap on
// open sockets (503 with Retry-After), and the checks of the options.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { describe, it } from "node:test";
import WebSocket from "ws";
import { Code, RpcError } from "../../core/index.js";
import { acceptWebSockets, connectWebSocket } from "./accept.js";
import { hostName } from "../host.js";
import { normalOrigin, originRefusal } from "./origin.js";
import { waitFor, wsServers } from "./test-server.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const server = wsServers();

/** The HTTP answer to a handshake the server refuses: status, Retry-After, JSON body. */
async function refusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter?: string; body: { error: { code: number; message: string } } }> {
  const ws = new WebSocket(url, { headers });
  ws.on("error", () => {});
  const [, res] = (await onceWithin(ws, "unexpected-response")) as [unknown, http.IncomingMessage];
  let text = "";
  for await (const chunk of res) text += String(chunk);
  return { status: res.statusCode!, retryAfter: res.headers["retry-after"], body: JSON.parse(text) };
}

const denied = (pattern: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.PermissionDenied && pattern.test(e.message);

describe("WebSocket admission", { timeout: 20_000 }, () => {
  it("refuses a cross-origin page with 403 and a JSON error; same-origin pages and clients without Origin get in", async () => {
    const s = await server();
    const url = `${s.base}/ws`;
    const answer = await refusal(url, { origin: "https://evil.example" });
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.code, Code.PermissionDenied);
    assert.match(answer.body.error.message, /cross-origin WebSocket from "https:\/\/evil.example" refused/);
    await assert.rejects(connectWebSocket(url, { headers: { origin: "null" } }), denied(/HTTP 403: cross-origin/));
    const same = await connectWebSocket(url, { headers: { origin: s.base.replace("ws:", "http:") } });
    const noOrigin = await connectWebSocket(url);
    same.close();
    noOrigin.close();
  });

  it("lets the pages of allowedOrigins in, or any page with *", async () => {
    const listed = await server({ allowedOrigins: ["https://app.example:443", "http://localhost:3000/"] });
    (await connectWebSocket(`${listed.base}/ws`, { headers: { origin: "https://APP.example:443" } })).close();
    (await connectWebSocket(`${listed.base}/ws`, { headers: { origin: "http://localhost:3000" } })).close();
    await assert.rejects(connectWebSocket(`${listed.base}/ws`, { headers: { origin: "http://localhost:3001" } }), denied(/cross-origin/));
    const any = await server({ allowedOrigins: ["*"] });
    (await connectWebSocket(`${any.base}/ws`, { headers: { origin: "https://evil.example" } })).close();
  });

  it("refuses a Host not in allowedHosts with 403 (DNS rebinding), even when the origin looks same-origin", async () => {
    const s = await server({ allowedHosts: ["localhost", "127.0.0.1", "::1"] });
    const port = new URL(s.base).port;
    const rebound = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
    await assert.rejects(connectWebSocket(`${s.base}/ws`, { headers: rebound }), denied(/host "evil.example:\d+" is not allowed/));
    (await connectWebSocket(`${s.base}/ws`, { headers: { origin: `http://127.0.0.1:${port}` } })).close();
  });

  it("refuses upgrades past maxSockets with 503, Retry-After and a JSON error, and takes them again once one closed", async () => {
    const s = await server({ maxSockets: 2 });
    const url = `${s.base}/ws`;
    const first = await connectWebSocket(url);
    await connectWebSocket(url);
    const answer = await refusal(url);
    assert.equal(answer.status, 503);
    assert.equal(answer.retryAfter, "1");
    assert.equal(answer.body.error.code, Code.Unavailable);
    assert.match(answer.body.error.message, /too many WebSockets open \(2\)/);
    await assert.rejects(connectWebSocket(url), (e: unknown) => e instanceof RpcError && e.code === Code.Unavailable && /HTTP 503/.test(e.message));
    first.close();
    await onceWithin(first.socket, "close");
    await waitFor(() => s.acceptor.stats().sockets === 1, "the server to see the close");
    (await connectWebSocket(url)).close();
  });

  it("closes a refused connection even when the client keeps its side open", async () => {
    const s = await server();
    const client = net.connect({ port: Number(new URL(s.base).port), host: "127.0.0.1", allowHalfOpen: true });
    client.on("data", () => {});
    client.write([
      "GET /ws HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Origin: https://evil.example", "", "",
    ].join("\r\n"));
    await onceWithin(client, "end"); // the answer came
    const connections = () => new Promise<number>((resolve) => s.http.getConnections((_e, n) => resolve(n)));
    await waitFor(async () => (await connections()) === 0, "the server to close the refused connection");
    client.destroy();
  });

  it("connectWebSocket reports a refusal whose body never ends within 2 s, with the status's code", async (t) => {
    const srv = http.createServer().on("upgrade", (_req, socket) => socket.write("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n{"));
    srv.listen(0, "127.0.0.1");
    await onceWithin(srv, "listening");
    t.after(() => { srv.closeAllConnections(); srv.close(); });
    const start = Date.now();
    await assert.rejects(connectWebSocket(`ws://127.0.0.1:${(srv.address() as { port: number }).port}/ws`), denied(/HTTP 403$/));
    assert.ok(Date.now() - start < 2000 + 1500, `settled after ${Date.now() - start} ms`);
  });

  it("checks its options at construction and says what to pass", () => {
    const srv = http.createServer();
    const bad: [object, RegExp][] = [
      [{ maxSockets: 0 }, /maxSockets must be an integer >= 1, got 0/],
      [{ maxTotalBytes: 1.5 }, /maxTotalBytes must be an integer >= 1/],
      [{ idleTimeoutMs: -1 }, /idleTimeoutMs must be an integer >= 0 \(0 = off\)/],
      [{ maxTotalBytes: 1000, maxPayload: 2000 }, /maxTotalBytes \(1000\) must be at least maxPayload \(2000\)/],
      [{ allowedOrigins: ["app.example"] }, /"app.example" is not an origin; give scheme:\/\/host\[:port\]/],
      [{ allowedOrigins: ["https://app.example/path"] }, /is not an origin/],
      [{ allowedOrigins: ["https://user@app.example"] }, /is not an origin/],
    ];
    for (const [options, message] of bad) {
      assert.throws(() => acceptWebSockets(srv, { path: "/ws", ...options }, () => {}), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && message.test(e.message));
    }
  });
});

describe("Origin and Host rules", () => {
  const req = (headers: http.IncomingHttpHeaders) => ({ headers }) as http.IncomingMessage;
  const none = new Set<string>();
  const any = new Set(["*"]);

  it("normalises origins and host names", () => {
    assert.equal(normalOrigin("HTTPS://App.Example:443"), "https://app.example");
    assert.equal(normalOrigin("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
    assert.equal(normalOrigin("null"), undefined);
    assert.equal(normalOrigin("file:///etc/passwd"), undefined);
    assert.equal(hostName("[::1]:8080"), "::1");
    assert.equal(hostName("LocalHost"), "localhost");
    assert.equal(hostName("evil.example@127.0.0.1"), "");
    assert.equal(hostName("127.0.0.1/x"), "");
  });

  it("compares the origin's host and port with the Host header, with default ports", () => {
    assert.equal(originRefusal(req({ host: "example.com", origin: "http://example.com" }), none, any), undefined);
    assert.equal(originRefusal(req({ host: "example.com:80", origin: "http://example.com" }), none, any), undefined);
    assert.equal(originRefusal(req({ host: "example.com", origin: "https://example.com" }), none, any), undefined);
    assert.equal(originRefusal(req({ host: "[::1]:8080", origin: "http://[::1]:8080" }), none, any), undefined);
    assert.ok(originRefusal(req({ host: "example.com:8080", origin: "http://example.com" }), none, any));
    assert.ok(originRefusal(req({ host: "example.com", origin: "http://example.com.evil.example" }), none, any));
    assert.ok(originRefusal(req({ host: "evil.example@example.com", origin: "http://example.com" }), none, any));
    assert.ok(originRefusal(req({ origin: "http://example.com" }), none, any), "no Host header");
  });
});
