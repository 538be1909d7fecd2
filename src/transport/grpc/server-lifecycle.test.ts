// Graceful shutdown, keepalive pings and connection idle and age limits.
import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { bundledProto } from "../../rpc/health/proto-file.js";
import { Code, type RpcError } from "../../index.js";
import { echoClient, frame, Echo, nextEvent, rawSession, startEchoServer, unaryCall } from "./server-fixture.js";
import { onceWithin, within } from "../../../test/helpers/wait.js";

describe("graceful shutdown", { timeout: 20_000 }, () => {
  it("lets calls in flight finish within the grace, then cancels the rest", async () => {
    const s = await startEchoServer();
    const client = echoClient(s.target);
    try {
      const quickStarted = nextEvent(s.probe, "started", "Unary");
      const quick = unaryCall((cb) => client.Unary({ text: "quick", delay_ms: 300 }, cb));
      await quickStarted;
      const slowStarted = nextEvent(s.probe, "started", "ServerStream");
      const slowAborted = nextEvent(s.probe, "aborted", "ServerStream");
      const slow = client.ServerStream({ count: 1, delay_ms: 60_000 });
      const slowDone = (async () => {
        for await (const _ of slow);
      })().then(() => undefined, (e: grpc.ServiceError) => e);
      await slowStarted;

      const t0 = Date.now();
      const closed = s.server.close({ graceMs: 1000 });
      const q = await quick;
      assert.equal(q.value.text, "quick", "the call in flight finished normally, so before the grace ran out (it would be cancelled after)");

      const [reason] = (await slowAborted) as [RpcError];
      assert.equal(reason.code, Code.Unavailable, "the handler's signal aborts when the grace runs out");
      assert.ok(Date.now() - t0 >= 950, "not before the grace");
      const err = await slowDone;
      assert.equal(err?.code, grpc.status.UNAVAILABLE);
      assert.match(err!.details, /shut down/);
      await closed;
      assert.equal(s.server.httpServer.listening, false);
      await assert.rejects(rawSession(s.port), "no new connections after close");
    } finally {
      client.close();
    }
  });

  it("refuses new streams on an open connection after GOAWAY, and ends health watches", async () => {
    const s = await startEchoServer();
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(bundledProto("grpc/health/v1/health.proto"), { enums: String })) as any;
    const health = new pkg.grpc.health.v1.Health(s.target, grpc.credentials.createInsecure());
    const watch = health.Watch({ service: "weir.test.server.Echo" });
    const statuses: string[] = [];
    const watched = within(new Promise<void>((resolve, reject) => {
      watch.on("data", (m: { status: string }) => statuses.push(m.status));
      watch.on("status", () => resolve());
      watch.on("error", reject);
    }), "the end of the health watch");
    await onceWithin(watch, "data");
    const session = await rawSession(s.port);
    const inFlight = session.request({ ":method": "POST", ":path": "/weir.test.server.Echo/Unary", "content-type": "application/grpc" });
    inFlight.on("error", () => {});
    const started = nextEvent(s.probe, "started", "Unary");
    inFlight.end(frame(Echo.methods.Unary.input.encode({ delay_ms: 200 })));
    inFlight.resume();
    await started;
    const goaway = onceWithin(session, "goaway");
    const closed = s.server.close({ graceMs: 5000 });
    await goaway;
    assert.throws(() => session.request({ ":method": "POST", ":path": "/x" }), "the session takes no new streams");
    const [trailers] = (await onceWithin(inFlight, "trailers")) as [http2.IncomingHttpHeaders];
    assert.equal(trailers["grpc-status"], "0", "the call in flight completed");
    await closed;
    await watched;
    assert.deepEqual(statuses, ["SERVING", "NOT_SERVING"], "watchers see NOT_SERVING, then the call ends");
    session.destroy();
    health.close();
  });
});

describe("connection management", { timeout: 20_000 }, () => {
  it("sends GOAWAY to a connection idle for maxConnectionIdleMs", async () => {
    const s = await startEchoServer({ maxConnectionIdleMs: 200 });
    const session = await rawSession(s.port);
    try {
      const t0 = Date.now();
      const [code] = (await onceWithin(session, "goaway")) as [number];
      assert.equal(code, http2.constants.NGHTTP2_NO_ERROR);
      assert.ok(Date.now() - t0 >= 150);
    } finally {
      session.destroy();
      await s.server.close({ graceMs: 0 });
    }
  });

  it("sends GOAWAY at maxConnectionAgeMs and cancels calls still running after the grace", async () => {
    const s = await startEchoServer({ maxConnectionAgeMs: 300, maxConnectionAgeGraceMs: 300 });
    const client = echoClient(s.target);
    try {
      const aborted = nextEvent(s.probe, "aborted", "Unary");
      const err = await unaryCall((cb) => client.Unary({ delay_ms: 30_000 }, cb)).then(() => undefined, (e) => e);
      assert.ok(err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.CANCELLED || err.code === grpc.status.INTERNAL, `got ${err.code} ${err.details}`);
      const [reason] = (await aborted) as [RpcError];
      assert.equal(reason.code, Code.Canceled);
      const r = await unaryCall((cb) => client.Unary({ text: "new connection" }, cb));
      assert.equal(r.value.text, "new connection", "the client reconnects");
    } finally {
      client.close();
      await s.server.close({ graceMs: 0 });
    }
  });

  it("pings every keepalive.timeMs", async () => {
    const s = await startEchoServer({ keepalive: { timeMs: 100, timeoutMs: 1000 } });
    const session = await rawSession(s.port);
    try {
      await onceWithin(session, "ping");
      await onceWithin(session, "ping");
    } finally {
      session.destroy();
      await s.server.close({ graceMs: 0 });
    }
  });

  it("closes a connection that does not answer a keepalive ping within keepalive.timeoutMs", async () => {
    const s = await startEchoServer({ keepalive: { timeMs: 100, timeoutMs: 200 } });
    const socket = net.connect(s.port, "127.0.0.1");
    try {
      await onceWithin(socket, "connect");
      // The HTTP/2 preface and empty SETTINGS, then silence: PINGs are never acknowledged.
      socket.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
      let sawPing = false;
      let buf = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 9 && buf.length >= 9 + buf.readUIntBE(0, 3)) {
          if (buf[3] === 6 && (buf[4]! & 1) === 0) sawPing = true;
          buf = buf.subarray(9 + buf.readUIntBE(0, 3));
        }
      });
      const t0 = Date.now();
      await onceWithin(socket, "close");
      assert.ok(sawPing, "the server pinged");
      assert.ok(Date.now() - t0 >= 250, "and waited timeoutMs for the ack");
    } finally {
      socket.destroy();
      await s.server.close({ graceMs: 0 });
    }
  });
});
