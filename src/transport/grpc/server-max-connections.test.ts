// The server's maxConnections: N connections served, the next refused with RESOURCE_EXHAUSTED
// (not a reset), and a new one accepted once one closes; with Weir's client and grpc-js.
import assert from "node:assert/strict";
import type { Http2Session } from "node:http2";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Code, RpcError, createClient } from "../../index.js";
import { listenAllProtocols } from "../detection/index.js";
import { createServer } from "./grpc-server.js";
import { Echo, echoClient, startEchoServer, unaryCall } from "./server-fixture.js";
import { createGrpcTransport, type GrpcTransport } from "./index.js";
import { onceWithin, within } from "../../../test/helpers/wait.js";

function weirClient(target: string): { transport: GrpcTransport; client: ReturnType<typeof createClient<typeof Echo.methods>> } {
  const transport = createGrpcTransport({ target });
  return { transport, client: createClient(Echo, transport) };
}

/** Resolves when the session closes (however it ends: a client's GOAWAY may carry an error code). */
function closed(session: Http2Session): Promise<void> {
  return within(new Promise((resolve) => session.once("close", resolve)), "the session's close");
}

async function refused(p: Promise<unknown>): Promise<RpcError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  assert.ok(e instanceof RpcError, `expected an RpcError, got ${String(e)}`);
  return e;
}

describe("server maxConnections", { timeout: 20_000 }, () => {
  it("refuses the connection over the limit with RESOURCE_EXHAUSTED, then accepts one when another closes", async () => {
    const s = await startEchoServer({ maxConnections: 2 });
    const sessions: Http2Session[] = [];
    s.server.httpServer.on("session", (session: Http2Session) => sessions.push(session));
    const a = weirClient(s.target);
    const b = weirClient(s.target);
    const c = weirClient(s.target);
    const e = weirClient(s.target);
    const js = echoClient(s.target, { "grpc.use_local_subchannel_pool": 1 });
    try {
      assert.equal((await a.client.Unary({ text: "a" })).text, "a");
      assert.equal((await b.client.Unary({ text: "b" })).text, "b");

      const err = await refused(c.client.Unary({ text: "c" }));
      assert.equal(err.code, Code.ResourceExhausted);
      assert.match(err.rawMessage, /limit of 2 connections/);
      assert.equal(err.metadata.get("retry-after"), "1");

      const jsErr = await unaryCall((cb) => js.Unary({ text: "js" }, cb)).then(() => undefined, (x: grpc.ServiceError) => x);
      assert.equal(jsErr?.code, grpc.status.RESOURCE_EXHAUSTED, "grpc-js sees RESOURCE_EXHAUSTED, not a reset");

      // The refused connections go away; the two accepted ones still serve.
      assert.equal((await b.client.Unary({ text: "b2" })).text, "b2");

      const aClosed = closed(sessions[0]!);
      await a.transport.close();
      await aClosed;
      assert.equal((await e.client.Unary({ text: "e" })).text, "e", "a new Weir connection is accepted");

      const bClosed = closed(sessions[1]!);
      await b.transport.close();
      await bClosed;
      const ok = await unaryCall((cb) => js.Unary({ text: "js2" }, cb));
      assert.equal(ok.value.text, "js2", "a new grpc-js connection is accepted");
    } finally {
      js.close();
      await Promise.all([a, b, c, e].map((x) => x.transport.close()));
      await s.server.close({ graceMs: 0 });
    }
  });

  it("counts connections handed over by the one-port listener", async () => {
    const s = await startEchoServer({ maxConnections: 1 });
    const all = await listenAllProtocols(s.server, { port: 0, host: "127.0.0.1", log: () => {} });
    const target = `127.0.0.1:${all.address.port}`;
    const a = weirClient(target);
    const b = weirClient(target);
    try {
      assert.equal((await a.client.Unary({ text: "a" })).text, "a");
      const err = await refused(b.client.Unary({ text: "b" }));
      assert.equal(err.code, Code.ResourceExhausted);
    } finally {
      await Promise.all([a.transport.close(), b.transport.close()]);
      await all.close({ graceMs: 0 });
    }
  });

  it("rejects a bad limit", () => {
    assert.throws(() => createServer({ maxConnections: 0 }), (e: RpcError) => e.code === Code.InvalidArgument);
    assert.throws(() => createServer({ maxConnections: 1.5 }), (e: RpcError) => e.code === Code.InvalidArgument);
  });
});

describe("server maxConnections and handshakes", { timeout: 20_000 }, () => {
  it("at the cap, a new connection takes the place of the oldest one that has not finished its handshake", async () => {
    const s = await startEchoServer({ maxConnections: 2 });
    const partial = Buffer.from("PRI * HT", "latin1");
    const first = connect(s.port, "127.0.0.1");
    const second = connect(s.port, "127.0.0.1");
    const c = weirClient(s.target);
    try {
      for (const sock of [first, second]) {
        sock.on("error", () => {});
        sock.resume();
        await onceWithin(sock, "connect");
        sock.write(partial);
      }
      const firstClosed = onceWithin(first, "close");
      assert.equal((await c.client.Unary({ text: "c" })).text, "c", "the new client is served");
      await firstClosed;
      assert.equal(second.closed, false, "the younger half-open connection stays, within its handshake timeout");
    } finally {
      first.destroy();
      second.destroy();
      await c.transport.close();
      await s.server.close({ graceMs: 0 });
    }
  });

  it("closes a refused connection that opens no call within a second", async () => {
    const s = await startEchoServer({ maxConnections: 1 });
    const a = weirClient(s.target);
    let idle: Socket | undefined;
    try {
      assert.equal((await a.client.Unary({ text: "a" })).text, "a");
      idle = connect(s.port, "127.0.0.1");
      idle.on("error", () => {});
      idle.resume();
      await onceWithin(idle, "connect");
      idle.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"), Buffer.from("000000040000000000", "hex")]));
      const t0 = performance.now();
      await onceWithin(idle, "close", 3000, "close of the refused connection");
      assert.ok(performance.now() - t0 < 2000);
    } finally {
      idle?.destroy();
      await a.transport.close();
      await s.server.close({ graceMs: 0 });
    }
  });
});

