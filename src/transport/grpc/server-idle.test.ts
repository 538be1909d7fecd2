// Connections that do nothing: one that never completes the HTTP/2 handshake (preface and SETTINGS)
// is destroyed after handshakeTimeoutMs, one that completes it but has no call for
// maxConnectionIdleMs gets a GOAWAY and closes, on listen() and on the one-port server alike.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import http2 from "node:http2";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { describe, it } from "node:test";
import { listenAllProtocols } from "../detection/index.js";
import { createServer, type Server, type ServerOptions } from "./grpc-server.js";
import { GRPC_SERVER_DEFAULTS } from "./server-options.js";
import { Echo, TESTDATA, echoImpl, frame, rawRequest, rawStatus } from "./server-fixture.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
/** An empty SETTINGS frame (what a client sends right after the preface) and an ack of the server's. */
const SETTINGS = Buffer.from("000000040000000000", "hex");
const SETTINGS_ACK = Buffer.from("000000040100000000", "hex");

type Mode = "listen" | "one-port";

async function start(mode: Mode, options: ServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer({ health: false, reflection: false, ...options }).service(Echo, echoImpl(new EventEmitter()));
  if (mode === "listen") {
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    return { server, port, close: () => server.close({ graceMs: 0 }) };
  }
  const all = await listenAllProtocols(server, { port: 0, host: "127.0.0.1", log: () => {} });
  return { server, port: all.address.port, close: () => all.close({ graceMs: 0 }) };
}

/** A raw TCP connection that sends `bytes` and then nothing; resolves with it once connected. */
async function silent(port: number, bytes: Buffer): Promise<Socket> {
  const s = connect(port, "127.0.0.1");
  s.on("error", () => {});
  s.resume(); // take the server's SETTINGS so that its writes do not stall
  await onceWithin(s, "connect");
  s.write(bytes);
  return s;
}

/** Resolves with the ms until `s` is closed by the server; rejects after `limitMs`. */
function closedWithin(s: Socket, limitMs: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection still open after ${limitMs} ms`)), limitMs);
    s.once("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - t0);
    });
  });
}

describe("connections that do nothing", { timeout: 30_000 }, () => {
  it("have safe defaults: a handshake timeout, an idle timeout, a connection cap under 1024", () => {
    const o = createServer().options;
    assert.ok(o.handshakeTimeoutMs > 0 && o.handshakeTimeoutMs <= 30_000, `handshakeTimeoutMs ${o.handshakeTimeoutMs}`);
    assert.ok(Number.isFinite(o.maxConnectionIdleMs), `maxConnectionIdleMs ${o.maxConnectionIdleMs}`);
    assert.ok(o.maxConnections < 1024, `maxConnections ${o.maxConnections}`);
    assert.equal(o.handshakeTimeoutMs, GRPC_SERVER_DEFAULTS.handshakeTimeoutMs);
  });

  for (const mode of ["listen", "one-port"] as const) {
    it(`${mode}: 8 bytes of preface, the preface without SETTINGS, or without the ack of ours: destroyed after handshakeTimeoutMs`, async () => {
      const s = await start(mode, { handshakeTimeoutMs: 300 });
      try {
        const partial = await silent(s.port, PREFACE.subarray(0, 8));
        const noSettings = await silent(s.port, PREFACE);
        const noAck = await silent(s.port, Buffer.concat([PREFACE, SETTINGS]));
        const ms = await Promise.all([partial, noSettings, noAck].map((sock) => closedWithin(sock, 3000)));
        assert.ok(ms.every((m) => m >= 250), `closed after ${ms.join(", ")} ms: not before the timeout`);
      } finally {
        await s.close();
      }
    });

    it(`${mode}: a connection that completes the handshake and opens no stream is closed after maxConnectionIdleMs`, async () => {
      const s = await start(mode, { handshakeTimeoutMs: 200, maxConnectionIdleMs: 600 });
      try {
        const sock = await silent(s.port, Buffer.concat([PREFACE, SETTINGS, SETTINGS_ACK]));
        const ms = await closedWithin(sock, 5000);
        assert.ok(ms >= 500, `closed after ${ms} ms: the handshake was complete, so only the idle timeout may close it`);
      } finally {
        await s.close();
      }
    });
  }

  it("TLS: a connection that stops inside the TLS handshake, or after it without the HTTP/2 preface, is destroyed", async () => {
    const tls = { key: readFileSync(`${TESTDATA}server-key.pem`), cert: readFileSync(`${TESTDATA}server-cert.pem`) };
    const server = createServer({ health: false, reflection: false, tls, handshakeTimeoutMs: 300 });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    try {
      const inTls = await silent(port, Buffer.from("16030100", "hex")); // the start of a ClientHello, then nothing
      const afterTls = tlsConnect({ port, host: "127.0.0.1", ALPNProtocols: ["h2"], rejectUnauthorized: false });
      afterTls.on("error", () => {});
      afterTls.resume();
      await onceWithin(afterTls, "secureConnect");
      const ms = await Promise.all([closedWithin(inTls, 3000), closedWithin(afterTls as unknown as Socket, 3000)]);
      assert.ok(ms.every((m) => m >= 250), `closed after ${ms.join(", ")} ms`);
    } finally {
      await server.close({ graceMs: 0 });
    }
  });

  it("a connection with a call in flight is not idle; after its last call it is closed after maxConnectionIdleMs", async () => {
    const s = await start("listen", { maxConnectionIdleMs: 300 });
    const session = http2.connect(`http://127.0.0.1:${s.port}`);
    session.on("error", () => {});
    try {
      await onceWithin(session, "connect");
      const closed = onceWithin(session, "close");
      const slow = await rawRequest(session, "/weir.test.server.Echo/Unary", frame(Echo.methods.Unary.input.encode({ text: "slow", delay_ms: 900 })));
      assert.equal(rawStatus(slow).code, 0, "a call longer than the idle timeout completes");
      const t0 = performance.now();
      await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error("not closed")), 3000))]);
      assert.ok(performance.now() - t0 >= 200, "closed only once idle for the timeout");
    } finally {
      session.destroy();
      await s.close();
    }
  });

  it("rejects bad values with a message saying what to pass", () => {
    assert.throws(() => createServer({ handshakeTimeoutMs: 0 }), /handshakeTimeoutMs must be a positive number of ms/);
    assert.throws(() => createServer({ maxConnectionIdleMs: -1 }), /maxConnectionIdleMs must be a positive number/);
  });
});
