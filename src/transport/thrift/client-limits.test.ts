// Limits of the Thrift client transport, against a Weir Thrift server in this process: the
// bounded wait for a pooled connection, and THeader zlib replies inflated off the event loop.
import assert from "node:assert/strict";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import { deflateSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { parseThrift } from "../../codec/thrift/service.js";
import { Code, RpcError } from "../../core/index.js";
import { Router, createClient, type ClientTransport, type MethodDescriptor } from "../../rpc/index.js";
import { createThriftTransport, type ThriftClientOptions } from "./client.js";
import { resolveThriftClientOptions, THRIFT_CLIENT_DEFAULTS } from "./client-options.js";
import { ThriftServerEngine } from "./server.js";
import { encodeTHeader } from "./theader.js";
import { MessageType, writeMessageHeader } from "./message.js";

const IDL = parseThrift("service T { string ping(), string hold(), string text(1: i32 size) }", { fileName: "client-limits.thrift" });
type Unary<I, O> = MethodDescriptor<I, O, "unary">;
const T = IDL.service<{ ping: Unary<object, string>; hold: Unary<object, string>; text: Unary<{ size: number }, string> }>("T");

/** The RpcError a call fails with. */
const rejection = (p: Promise<unknown>): Promise<RpcError> => p.then(
  () => assert.fail("expected the call to fail"),
  (e: unknown) => { assert.ok(e instanceof RpcError, String(e)); return e; },
);

describe("Thrift client limits", { timeout: 20_000 }, () => {
  let listener: NetServer;
  let target = "";
  const accepted: Socket[] = [];
  const transports: ClientTransport[] = [];
  /** Calls of `hold` wait here until released; `held` resolves when one has arrived. */
  let releaseHeld: () => void = () => {};
  let heldArrived: () => void = () => {};

  before(async () => {
    const router = new Router().service(T, {
      ping: () => "pong",
      hold: () => new Promise<string>((resolve) => {
        releaseHeld = () => resolve("released");
        heldArrived();
      }),
      text: ({ size }) => "x".repeat(size),
    });
    const engine = new ThriftServerEngine(router, { log: () => {} });
    listener = createNetServer((s) => { accepted.push(s); engine.handleConnection(s); });
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    target = `127.0.0.1:${(listener.address() as AddressInfo).port}`;
  });

  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    for (const s of accepted) s.destroy();
    await new Promise((r) => listener.close(r));
  });

  const client = (o: Omit<ThriftClientOptions, "target"> = {}) => {
    const t = createThriftTransport({ target, ...o });
    transports.push(t);
    return createClient(T, t);
  };

  /** Start a `hold` call and resolve once the server is handling it (its connection is taken). */
  async function holdOne(c: ReturnType<typeof client>): Promise<{ call: Promise<string> }> {
    const arrived = new Promise<void>((r) => (heldArrived = r));
    const call = c.hold({});
    await arrived;
    return { call };
  }

  it("checks its options at construction and has the documented defaults", () => {
    const o = resolveThriftClientOptions({ target });
    assert.deepEqual([o.maxConnections, o.connectTimeoutMs, o.acquireTimeoutMs, o.maxWaitingCalls, o.maxFrameBytes], [8, 5000, 5000, 1024, 16 << 20]);
    assert.equal(THRIFT_CLIENT_DEFAULTS.acquireTimeoutMs, 5000);
    assert.equal(resolveThriftClientOptions({ target, maxWaitingCalls: 0 }).maxWaitingCalls, 0, "0: never wait");
    for (const bad of [{ acquireTimeoutMs: 0 }, { acquireTimeoutMs: Infinity }, { maxWaitingCalls: -1 }, { maxConnections: 0 }, { maxFrameBytes: 1.5 }, { connectTimeoutMs: -5 }]) {
      assert.throws(() => createThriftTransport({ target, ...bad }), (e: RpcError) => e.code === Code.InvalidArgument && e.message.includes(Object.keys(bad)[0]!));
    }
  });

  it("a call waits at most acquireTimeoutMs for a busy connection, then fails with UNAVAILABLE and a retry hint; a shorter deadline wins", async () => {
    const c = client({ maxConnections: 1, acquireTimeoutMs: 200 });
    const { call: held } = await holdOne(c);
    const start = performance.now();
    const e = await rejection(c.ping({}));
    const waited = performance.now() - start;
    assert.ok(waited >= 190 && waited < 3000, `waited ${waited} ms`);
    assert.equal(e.code, Code.Unavailable);
    assert.match(e.rawMessage, /no connection to thrift server 127\.0\.0\.1:\d+ became free within 200 ms .*raise maxConnections or acquireTimeoutMs/);
    assert.equal(e.metadata.getString("retry-after"), "1");
    assert.equal((await rejection(c.ping({}, { timeoutMs: 50 }))).code, Code.DeadlineExceeded);
    releaseHeld();
    assert.equal(await held, "released");
    assert.equal(await c.ping({}), "pong", "the connection came back to the pool");
  });

  it("a full waiting line refuses at once with RESOURCE_EXHAUSTED; a cancelled call leaves the line", async () => {
    const c = client({ maxConnections: 1, maxWaitingCalls: 1 });
    const { call: held } = await holdOne(c);
    const ac = new AbortController();
    const waiting = rejection(c.ping({}, { signal: ac.signal }));
    await nextTurn(); // the call has reached the line: nothing on its way there waits for I/O
    const start = performance.now();
    const e = await rejection(c.ping({}));
    assert.ok(performance.now() - start < 1000, "refused without waiting");
    assert.equal(e.code, Code.ResourceExhausted);
    assert.match(e.rawMessage, /1 calls already wait for one; raise maxConnections or maxWaitingCalls/);
    assert.equal(e.metadata.getString("retry-after"), "1");
    ac.abort();
    assert.equal((await waiting).code, Code.Canceled);
    const next = c.ping({}); // the line has room again
    releaseHeld();
    assert.equal(await held, "released");
    assert.equal(await next, "pong");
  });

  it("a waiting call that leaves while a connection is opened for it gives the slot back", async () => {
    const c = client({ maxConnections: 1, acquireTimeoutMs: 2000 });
    const { call: held } = await holdOne(c);
    const ac = new AbortController();
    const waiting = rejection(c.ping({}, { signal: ac.signal }));
    await nextTurn();
    // The server drops the held call's connection: its slot goes to the waiting call, which
    // starts connecting; it leaves before the connection is up.
    const heldFailed = held.then(() => assert.fail("the held call should fail"), () => ac.abort());
    for (const s of accepted.splice(0)) s.destroy();
    await heldFailed;
    assert.equal((await waiting).code, Code.Canceled);
    assert.equal(await c.ping({}, { timeoutMs: 1500 }), "pong", "the only slot is free again");
  });

  it("a reply frame over maxFrameBytes fails the call with RESOURCE_EXHAUSTED and closes only its connection", async () => {
    const c = client({ maxFrameBytes: 64 << 10 });
    const e = await rejection(c.text({ size: 100 << 10 }));
    assert.equal(e.code, Code.ResourceExhausted);
    assert.match(e.rawMessage, /frame of \d+ bytes exceeds the limit of 65536 bytes/);
    assert.equal((await c.text({ size: 1000 })).length, 1000, "the next call gets a new connection");
  });

  it("inflates a THeader zlib reply off the event loop, up to maxFrameBytes; past it the call fails and the connection stays", async () => {
    const c = client({ transport: "header", zlib: true, maxFrameBytes: 1 << 20 });
    assert.equal((await c.text({ size: 512 << 10 })).length, 512 << 10, "more than the 64 KiB inflated on the loop");
    const e = await rejection(c.text({ size: 2 << 20 }));
    assert.equal(e.code, Code.ResourceExhausted);
    assert.match(e.rawMessage, /inflates past 1048576 bytes/);
    assert.equal(await c.ping({}), "pong");
  });

  it("a zlib bomb in a reply costs the event loop at most the first 64 KiB of inflating", async () => {
    const message = Buffer.concat([writeMessageHeader("binary", "text", MessageType.Reply, 1), Buffer.alloc(40 << 20)]);
    const frame = encodeTHeader({ seqId: 1, protocolId: 0, transforms: [1] }, Buffer.alloc(0));
    const headerEnd = 14 + frame.readUInt16BE(12) * 4;
    const bomb = Buffer.concat([frame.subarray(0, headerEnd), deflateSync(message)]);
    bomb.writeUInt32BE(bomb.length - 4, 0);
    // a server that answers every request with the bomb (40 MiB of zeros in 40 KiB)
    const bomber = createNetServer((s) => { accepted.push(s); s.on("data", () => s.write(bomb)); });
    await new Promise<void>((r) => bomber.listen(0, "127.0.0.1", r));
    const t = createThriftTransport({ target: `127.0.0.1:${(bomber.address() as AddressInfo).port}`, transport: "header", maxFrameBytes: 32 << 20 });
    transports.push(t);
    let last = performance.now(), longestTurn = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longestTurn = Math.max(longestTurn, now - last);
      last = now;
    }, 1);
    const start = (last = performance.now());
    const e = await rejection(createClient(T, t).text({ size: 1 }));
    const end = performance.now();
    const totalMs = end - start;
    longestTurn = Math.max(longestTurn, end - last); // the turn that ends with the call
    clearInterval(ticker);
    bomber.close();
    assert.equal(e.code, Code.ResourceExhausted);
    assert.match(e.rawMessage, /inflates past 33554432 bytes/);
    assert.ok(longestTurn < totalMs / 2, `the event loop stalled ${longestTurn.toFixed(1)} ms of the call's ${totalMs.toFixed(1)} ms`);
  });
});
