import assert from "node:assert/strict";
import type http from "node:http";
import net from "node:net";
import { after, describe, it } from "node:test";
import { createHttpServer, resolveHttpServerLimits, type HttpServerOptions } from "./server-limits.js";
import { onceWithin, until, within } from "../../test/helpers/wait.js";

const servers: http.Server[] = [];
after(() => { for (const s of servers) s.closeAllConnections(), s.close(); });

async function start(options: HttpServerOptions, handler: http.RequestListener = (_req, res) => res.end("ok")): Promise<number> {
  const server = createHttpServer(handler, options);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await onceWithin(server, "listening");
  return (server.address() as net.AddressInfo).port;
}

/** A raw TCP connection; resolves once connected. */
async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  await onceWithin(socket, "connect");
  return socket;
}

/** Everything the server sends until it closes, and how long after `since` it closed; fails after `boundMs`. */
async function untilClosed(socket: net.Socket, since: number, boundMs = 5000): Promise<{ text: string; afterMs: number }> {
  let text = "";
  socket.on("data", (b: Buffer) => { text += b.toString(); });
  socket.on("error", () => {});
  const timer = setTimeout(() => socket.destroy(new Error(`still open after ${boundMs} ms`)), boundMs);
  await onceWithin(socket, "close");
  clearTimeout(timer);
  assert.ok(!String(socket.errored ?? "").includes("still open"), `still open after ${boundMs} ms`);
  return { text, afterMs: performance.now() - since };
}

describe("createHttpServer limits", () => {
  it("closes a connection that sends nothing after firstRequestTimeoutMs", async () => {
    const port = await start({ firstRequestTimeoutMs: 300 });
    const t0 = performance.now();
    const { text, afterMs } = await untilClosed(await connect(port), t0);
    assert.equal(text, "");
    assert.ok(afterMs >= 250, `closed after ${afterMs.toFixed(0)} ms`);
  });

  it("answers 408 to headers or a body that come too slowly", async () => {
    const port = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 }, (req, res) => {
      req.resume();
      req.once("end", () => res.end("ok"));
    });
    const headers = await connect(port);
    headers.write("GET / HTTP/1.1\r\nHost: x\r\n");
    const body = await connect(port);
    body.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab");
    const t0 = performance.now();
    const [h, b] = await Promise.all([untilClosed(headers, t0), untilClosed(body, t0)]);
    assert.match(h.text, /^HTTP\/1.1 408/);
    assert.match(b.text, /^HTTP\/1.1 408/);
    assert.ok(b.afterMs >= 400, `slow body closed after ${b.afterMs.toFixed(0)} ms`);
  });

  it("closes an idle keep-alive connection after keepAliveTimeoutMs", async () => {
    const port = await start({ keepAliveTimeoutMs: 300 });
    const s = await connect(port);
    s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const t0 = performance.now();
    const { text, afterMs } = await untilClosed(s, t0);
    assert.match(text, /^HTTP\/1.1 200 OK/);
    assert.ok(afterMs >= 250, `closed after ${afterMs.toFixed(0)} ms`);
  });

  it("makes room for a new connection by closing the oldest idle one, and answers 503 when all are busy", async () => {
    const held: http.ServerResponse[] = [];
    const port = await start({ maxConnections: 3 }, (req, res) => {
      if (req.url === "/hold") held.push(res);
      else res.end("ok");
    });
    const idle = [await connect(port), await connect(port), await connect(port)];
    const oldestClosed = untilClosed(idle[0]!, performance.now());
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" }, signal: AbortSignal.timeout(5000) });
    assert.equal(await res.text(), "ok");
    await oldestClosed;
    for (const s of idle) s.destroy();
    // three requests in flight: every connection is busy, so a fourth is refused
    const holders = [1, 2, 3].map(async () => {
      const s = await connect(port);
      s.write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
      return s;
    });
    const sockets = await Promise.all(holders);
    await until(() => held.length === 3, "three held requests");
    const refused = await untilClosed(await connect(port), performance.now());
    assert.match(refused.text, /^HTTP\/1.1 503 Service Unavailable/);
    assert.match(refused.text, /Retry-After: 1/);
    assert.match(refused.text, /"status":"UNAVAILABLE"/);
    for (const r of held) r.end("done");
    for (const s of sockets) s.destroy();
  });

  it("closes a connection whose client stopped reading the response after idleTimeoutMs", async () => {
    let closed: Promise<unknown> | undefined;
    const port = await start({ idleTimeoutMs: 400 }, (_req, res) => {
      closed = onceWithin(res, "close");
      const chunk = Buffer.alloc(1 << 20);
      const pump = () => { while (res.write(chunk)); };
      res.on("drain", pump);
      pump();
    });
    const s = await connect(port);
    s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await until(() => closed !== undefined, "the stalled response");
    s.pause(); // reads nothing more: the server's writes stall
    const t0 = performance.now();
    await within(closed!, "the close of the stalled response", 5000);
    assert.ok(performance.now() - t0 >= 200);
    s.destroy();
  });

  it("leaves upgraded sockets to their protocol: no timeouts, never evicted", async () => {
    const upgraded: net.Socket[] = [];
    const port = await start({ firstRequestTimeoutMs: 200, idleTimeoutMs: 200, maxConnections: 1, onUpgrade: (_req, socket) => {
      socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n");
      upgraded.push(socket as net.Socket);
    } });
    const s = await connect(port);
    s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n");
    await until(() => upgraded.length === 1, "the upgrade");
    const other = await untilClosed(await connect(port), performance.now()); // the one slot is busy
    assert.match(other.text, /^HTTP\/1.1 503/);
    await new Promise((r) => setTimeout(r, 500)); // past both timeouts
    assert.equal(upgraded[0]!.destroyed, false);
    s.destroy();
  });

  it("answers 403 to a Host it does not serve, requests and upgrades alike (DNS rebinding)", async () => {
    let upgraded = 0;
    const port = await start({ allowedHosts: ["localhost"], onUpgrade: (_req, socket) => { upgraded++; socket.destroy(); } });
    const ask = async (host: string, upgrade: boolean) => {
      const s = await connect(port);
      s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n${upgrade ? "Connection: Upgrade\r\nUpgrade: websocket\r\n" : ""}\r\n`);
      return (await untilClosed(s, performance.now())).text;
    };
    assert.match(await ask(`evil.example:${port}`, false), /^HTTP\/1.1 403[^]*"status":"PERMISSION_DENIED"/);
    assert.match(await ask(`evil.example:${port}`, true), /^HTTP\/1.1 403[^]*host \\"evil.example:\d+\\" is not allowed/);
    assert.equal(upgraded, 0);
    const ok = await fetch(`http://localhost:${port}/`, { signal: AbortSignal.timeout(5000) });
    assert.equal(await ok.text(), "ok");
  });

  it("refuses bad limits with a message naming them", () => {
    assert.throws(() => resolveHttpServerLimits({ maxConnections: 0 }), /maxConnections must be a positive integer, got 0/);
    assert.throws(() => resolveHttpServerLimits({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 }), /must not exceed requestTimeoutMs/);
  });
});

