import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { Code, RpcError, createClient } from "../../index.js";
import { Echo, startGrpcJsServer } from "./client-fixture.js";
import { Backoff, createGrpcTransport, parseTarget, resolveBackoffOptions, resolveGrpcTransportOptions } from "./index.js";

describe("grpc client options", () => {
  it("parses targets", () => {
    assert.deepEqual({ ...parseTarget("127.0.0.1:50051") }, { origin: "http://127.0.0.1:50051", secure: false, authority: "127.0.0.1:50051", host: "127.0.0.1", port: 50051, socketPath: undefined });
    assert.equal(parseTarget("https://example.com").origin, "https://example.com:443");
    assert.equal(parseTarget("http://h:81/").authority, "h:81");
    assert.equal(parseTarget("dns:///svc.local:9000").authority, "svc.local:9000");
    assert.equal(parseTarget("[::1]:50051").host, "::1");
    assert.equal(parseTarget("h:1", { tls: true }).secure, true);
    assert.equal(parseTarget("unix:/tmp/s.sock").socketPath, "/tmp/s.sock");
    assert.throws(() => parseTarget("http://h:1/path"), /path/);
    assert.throws(() => resolveGrpcTransportOptions({ target: "" }), /target/);
    assert.throws(() => resolveGrpcTransportOptions({ target: "h:1", acceptEncoding: ["br"] }), /br/);
    assert.throws(() => resolveGrpcTransportOptions({ target: "h:1", connectTimeoutMs: 0 }), /connectTimeoutMs/);
  });

  it("defaults follow gRPC's connection-backoff.md", () => {
    const o = resolveGrpcTransportOptions({ target: "h:1" });
    assert.deepEqual({ ...o.backoff }, { initialMs: 1000, maxMs: 120_000, multiplier: 1.6, jitter: 0.2 });
    assert.equal(o.connectTimeoutMs, 20_000);
    assert.equal(o.limits.maxReceiveMessageBytes, 4 << 20);
    assert.equal(o.acceptEncoding, "gzip,deflate,identity");
    assert.throws(() => resolveBackoffOptions({ multiplier: 0.5 }), /multiplier/);
  });

  it("the connection pool's bounds: defaults, and a bad value says what to pass", () => {
    const o = resolveGrpcTransportOptions({ target: "h:1" });
    assert.deepEqual([o.maxConnections, o.spareConnectionIdleMs, o.maxWaitingCalls, o.streamWaitTimeoutMs], [8, 30_000, 1024, 500]);
    assert.equal(resolveGrpcTransportOptions({ target: "h:1", maxWaitingCalls: 0 }).maxWaitingCalls, 0, "0: never wait");
    assert.throws(() => resolveGrpcTransportOptions({ target: "h:1", maxConnections: 0 }), /maxConnections must be a whole number, 1 or more, got 0/);
    assert.throws(() => resolveGrpcTransportOptions({ target: "h:1", maxWaitingCalls: 1.5 }), /maxWaitingCalls/);
    assert.throws(() => resolveGrpcTransportOptions({ target: "h:1", streamWaitTimeoutMs: Infinity }), /streamWaitTimeoutMs must be a positive number of ms/);
  });

  it("backoff grows by the multiplier up to the maximum, within the jitter", () => {
    const mid = new Backoff(resolveBackoffOptions({ initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0.2 }), () => 0.5);
    assert.deepEqual(Array.from({ length: 6 }, () => mid.next()), [100, 200, 400, 800, 1000, 1000]);
    mid.reset();
    assert.equal(mid.next(), 100);
    const low = new Backoff(resolveBackoffOptions({ initialMs: 100, jitter: 0.2 }), () => 0);
    const high = new Backoff(resolveBackoffOptions({ initialMs: 100, jitter: 0.2 }), () => 1);
    assert.equal(low.next(), 80);
    assert.equal(high.next(), 120);
  });

  it("a server that accepts TCP but never speaks HTTP/2 -> UNAVAILABLE after connectTimeoutMs", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as net.AddressInfo).port;
    const transport = createGrpcTransport({ target: `127.0.0.1:${port}`, connectTimeoutMs: 150, backoff: { initialMs: 10 } });
    try {
      const t0 = Date.now();
      await assert.rejects(createClient(Echo, transport).Unary({}), (e: unknown) => {
        assert.ok(e instanceof RpcError);
        assert.equal(e.code, Code.Unavailable, e.message);
        return true;
      });
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      await transport.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it("keepalive pings keep a connection in use and cost no calls", async () => {
    const server = await startGrpcJsServer();
    const transport = createGrpcTransport({ target: server.target, keepalive: { timeMs: 20, timeoutMs: 1000 } });
    try {
      const client = createClient(Echo, transport);
      assert.equal((await client.Unary({ text: "a", delay_ms: 150 })).text, "a");
      assert.equal(transport.state, "ready");
      assert.equal((await client.Unary({ text: "b" })).text, "b");
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it("a connection whose server stops answering pings -> UNAVAILABLE for the calls on it", async () => {
    const server = await startGrpcJsServer();
    let frozen = false;
    const pairs: net.Socket[] = [];
    const proxy = net.createServer((client) => {
      const upstream = net.connect(server.port, "127.0.0.1");
      pairs.push(client, upstream);
      client.on("data", (d) => upstream.write(d));
      upstream.on("data", (d) => { if (!frozen) client.write(d); });
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const port = (proxy.address() as net.AddressInfo).port;
    const transport = createGrpcTransport({ target: `127.0.0.1:${port}`, keepalive: { timeMs: 50, timeoutMs: 100 } });
    try {
      const client = createClient(Echo, transport);
      assert.equal((await client.Unary({ text: "before" })).text, "before");
      frozen = true; // the server's answers, PING acks included, no longer arrive
      await assert.rejects(client.Unary({ delay_ms: 10_000 }), (e: unknown) => {
        assert.ok(e instanceof RpcError);
        assert.equal(e.code, Code.Unavailable, e.message);
        assert.match(e.rawMessage, /keepalive/);
        return true;
      });
    } finally {
      await transport.close();
      for (const s of pairs) s.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
      await server.close();
    }
  });
});
