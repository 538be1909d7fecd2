import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { describe, it } from "node:test";
import { parseThrift } from "../../codec/thrift/service.js";
import { Code, RpcError } from "../../core/index.js";
import { createClient, type MethodDescriptor } from "../../rpc/index.js";
import { createServer } from "../grpc/grpc-server.js";
import { createThriftTransport } from "../thrift/client.js";
import { listenAllProtocols } from "./serve.js";
import { onceWithin, until } from "../../../test/helpers/wait.js";

const Svc = parseThrift("service Echo { string ping(1: string msg) }", { fileName: "limits.thrift" })
  .service<{ ping: MethodDescriptor<{ msg: string }, string, "unary"> }>("Echo");

async function open(port: number): Promise<Socket> {
  const s = connect(port, "127.0.0.1");
  s.on("error", () => {}); // a refused socket may be reset
  await onceWithin(s, "connect");
  return s;
}

function closedWithin(s: Socket, ms: number): Promise<boolean> {
  if (s.destroyed) return Promise.resolve(true);
  return Promise.race([onceWithin(s, "close").then(() => true), delay(ms).then(() => false)]);
}

describe("one port: connection cap and handshake timeout", () => {
  it("at maxConnections, a new connection displaces the oldest silent one: silent sockets lock nobody out", async () => {
    const weir = createServer({ health: false, reflection: false }).service(Svc, { ping: ({ msg }) => msg });
    const server = await listenAllProtocols(weir, { host: "127.0.0.1", maxConnections: 3, sniffTimeoutMs: 10_000, log: () => {} });
    const silent: Socket[] = [];
    const transport = createThriftTransport({ target: `127.0.0.1:${server.address.port}`, transport: "framed", maxConnections: 1, connectTimeoutMs: 1000 });
    try {
      for (let i = 0; i < 3; i++) silent.push(await open(server.address.port));
      const fourth = await open(server.address.port);
      assert.ok(await closedWithin(silent[0]!, 1000), "the oldest silent connection made room, long before the sniff timeout");
      assert.equal(fourth.destroyed, false);
      assert.equal(await createClient(Svc, transport).ping({ msg: "through" }, { timeoutMs: 2000 }), "through");
      assert.ok(await closedWithin(silent[1]!, 1000), "the next oldest made room for the client");
    } finally {
      for (const s of silent) s.destroy();
      await transport.close();
      await server.close({ graceMs: 100 });
    }
  });

  it("refuses a new connection at once when every open one speaks a protocol, and logs it", async () => {
    const logs: string[] = [];
    const weir = createServer({ health: false, reflection: false }).service(Svc, { ping: ({ msg }) => msg });
    const server = await listenAllProtocols(weir, { host: "127.0.0.1", maxConnections: 2, sniffTimeoutMs: 10_000, log: (m) => logs.push(m) });
    const target = `127.0.0.1:${server.address.port}`;
    const clients = [1, 2].map(() => createThriftTransport({ target, transport: "framed", maxConnections: 1, connectTimeoutMs: 1000 }));
    const late = createThriftTransport({ target, transport: "framed", maxConnections: 1, connectTimeoutMs: 1000 });
    try {
      for (const c of clients) assert.equal(await createClient(Svc, c).ping({ msg: "held" }, { timeoutMs: 2000 }), "held");
      const extra = await open(server.address.port);
      assert.ok(await closedWithin(extra, 1000), "refused at once, not after the sniff timeout");
      await assert.rejects(createClient(Svc, late).ping({ msg: "x" }, { timeoutMs: 2000 }), (e: RpcError) => e.code === Code.Unavailable);
      await clients[0]!.close();
      const count = () => new Promise<number>((r) => server.listener.getConnections((_, n) => r(n)));
      await until(async () => (await count()) === 1, "the server to see the close");
      assert.equal(await createClient(Svc, late).ping({ msg: "again" }, { timeoutMs: 2000 }), "again");
      await until(() => logs.some((l) => /refused [12] connection\(s\): 2 connections are open/.test(l)), "the refusals to be logged");
    } finally {
      for (const c of [...clients, late]) await c.close();
      await server.close({ graceMs: 100 });
    }
  });

  it("closes a connection that sends nothing within sniffTimeoutMs", async () => {
    const weir = createServer({ health: false, reflection: false });
    const server = await listenAllProtocols(weir, { host: "127.0.0.1", sniffTimeoutMs: 200, log: () => {} });
    try {
      const silent = await open(server.address.port);
      const start = Date.now();
      assert.ok(await closedWithin(silent, 3000), "closed");
      assert.ok(Date.now() - start >= 150, `closed after ${Date.now() - start} ms`);
    } finally {
      await server.close({ graceMs: 100 });
    }
  });

  it("checks its options", async () => {
    const weir = createServer({ health: false, reflection: false });
    for (const bad of [{ maxConnections: 0 }, { sniffTimeoutMs: 0 }, { maxConnections: 1.5 }]) {
      await assert.rejects(listenAllProtocols(weir, bad), (e: RpcError) => e.code === Code.InvalidArgument && e.message.includes(Object.keys(bad)[0]!));
    }
  });
});
