// Compression, limits, TLS and HTTP/2 settings of the gRPC server, against grpc-js and raw HTTP/2.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import zlib from "node:zlib";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Code, outgoing } from "../../index.js";
import { createServer } from "./grpc-server.js";
import {
  Echo, TESTDATA, echoClient, frame, rawRequest, rawSession, rawStatus, startEchoServer, unaryCall, unframe, type EchoServer,
} from "./server-fixture.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const UNARY = "/weir.test.server.Echo/Unary";
const STREAM = "/weir.test.server.Echo/ServerStream";
const encodeReq = (r: object) => Buffer.from(Echo.methods.Unary.input.encode(r));
const decodeReply = (b: Uint8Array) => Echo.methods.Unary.output.decode(b);

describe("compression", { timeout: 20_000 }, () => {
  let s: EchoServer;
  before(async () => {
    s = await startEchoServer({ compression: "gzip" });
  });
  after(() => s.server.close({ graceMs: 0 }));

  for (const [name, algorithm] of [["deflate", 1], ["gzip", 2]] as const) {
    it(`reads ${name}-compressed requests from grpc-js and answers them compressed`, async () => {
      const client = echoClient(s.target, { "grpc.default_compression_algorithm": algorithm });
      try {
        const r = await unaryCall((cb) => client.Unary({ text: "z".repeat(500) }, cb));
        assert.equal(r.value.text, "z".repeat(500));
        assert.equal(r.value.labels!["compressed"], "true", "ctx.lastRequestCompressed");
        assert.equal(r.value.labels!["encoding"], "gzip", "ctx.responseEncoding: the server's choice, accepted by grpc-js");
      } finally {
        client.close();
      }
    });
  }

  it("compresses responses with the server's encoding when the client accepts it", async () => {
    const session = await rawSession(s.port);
    try {
      const r = await rawRequest(session, UNARY, frame(encodeReq({ text: "hello" })), { headers: { "grpc-accept-encoding": "gzip" } });
      assert.equal(r.headers["grpc-encoding"], "gzip");
      const [env] = unframe(r.body);
      assert.equal(env!.compressed, true);
      assert.equal(decodeReply(zlib.gunzipSync(env!.payload)).text, "hello");
      const plain = await rawRequest(session, UNARY, frame(encodeReq({ text: "hello" })), { headers: { "grpc-accept-encoding": "identity" } });
      assert.equal(plain.headers["grpc-encoding"], undefined);
      assert.equal(unframe(plain.body)[0]!.compressed, false, "a client that does not accept gzip gets identity");
    } finally {
      session.close();
    }
  });

  it("lets a handler choose the encoding per call and turn compression off per message", async () => {
    const server = createServer({ reflection: false, health: false }).service(Echo, {
      Unary: (req, ctx) => {
        ctx.responseEncoding = "deflate";
        return { text: req.text ?? "" };
      },
      async *ServerStream(_req, ctx) {
        ctx.responseEncoding = "gzip";
        yield { text: "packed" };
        yield outgoing({ text: "plain" }, { compress: false });
      },
    });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    const session = await rawSession(port);
    try {
      const accept = { "grpc-accept-encoding": "identity,deflate,gzip" };
      const u = await rawRequest(session, UNARY, frame(encodeReq({ text: "d" })), { headers: accept });
      assert.equal(u.headers["grpc-encoding"], "deflate");
      assert.equal(decodeReply(zlib.inflateSync(unframe(u.body)[0]!.payload)).text, "d");
      const st = await rawRequest(session, STREAM, frame(encodeReq({})), { headers: accept });
      assert.equal(st.headers["grpc-encoding"], "gzip");
      const [a, b] = unframe(st.body);
      assert.equal(a!.compressed, true);
      assert.equal(decodeReply(zlib.gunzipSync(a!.payload)).text, "packed");
      assert.equal(b!.compressed, false);
      assert.equal(decodeReply(b!.payload).text, "plain");
    } finally {
      session.close();
      await server.close({ graceMs: 0 });
    }
  });

  it("refuses a message that inflates past the receive limit with RESOURCE_EXHAUSTED", async () => {
    const server = createServer({ limits: { maxReceiveMessageBytes: 4096 } }).service(Echo, { Unary: (r) => r });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    const session = await rawSession(port);
    try {
      const bomb = zlib.gzipSync(encodeReq({ text: "a".repeat(100_000) }));
      assert.ok(bomb.length < 4096);
      const r = await rawRequest(session, UNARY, frame(bomb, true), { headers: { "grpc-encoding": "gzip" } });
      assert.equal(rawStatus(r).code, Code.ResourceExhausted);
    } finally {
      session.close();
      await server.close({ graceMs: 0 });
    }
  });
  it("inflates a bounded number of large messages at once, server-wide: the rest are RESOURCE_EXHAUSTED", async () => {
    const server = createServer({ decompression: { maxConcurrent: 1, maxQueued: 1, maxWaitMs: 5000 } }).service(Echo, { Unary: (r) => ({ text: r.text }) });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    const session = await rawSession(port);
    try {
      // Deflate has no size trailer: each message is inflated (in the thread pool) to find out it
      // holds 3 MiB. Sent together, they arrive in one read: one inflates, one waits, the rest are refused.
      const large = frame(zlib.deflateSync(encodeReq({ text: "x".repeat(3 << 20) })), true);
      const headers = { "grpc-encoding": "deflate" };
      const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => rawRequest(session, UNARY, large, { headers })));
      const codes = results.map((r) => rawStatus(r).code);
      assert.ok(codes.filter((c) => c === Code.Ok).length >= 2, `codes ${codes}`);
      const refused = results.map(rawStatus).filter((st) => st.code !== Code.Ok);
      assert.ok(refused.length >= 1, "more than the turn and the queue hold at once are refused");
      for (const st of refused) {
        assert.equal(st.code, Code.ResourceExhausted);
        assert.match(st.message, /busy decompressing other messages/);
      }
      const again = await rawRequest(session, UNARY, large, { headers });
      assert.equal(rawStatus(again).code, Code.Ok, "turns are given back");
    } finally {
      session.close();
      await server.close({ graceMs: 0 });
    }
  });
});

describe("limits", { timeout: 20_000 }, () => {
  let s: EchoServer;
  let client: any;
  before(async () => {
    s = await startEchoServer({ limits: { maxReceiveMessageBytes: 1024, maxSendMessageBytes: 2048, maxMetadataBytes: 4096 } });
    client = echoClient(s.target);
  });
  after(async () => {
    client.close();
    await s.server.close({ graceMs: 0 });
  });

  it("answers RESOURCE_EXHAUSTED to a request message over maxReceiveMessageBytes", async () => {
    const err = await unaryCall((cb) => client.Unary({ payload: Buffer.alloc(2000) }, cb)).then(() => undefined, (e) => e);
    assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(err.details, /exceeds the limit of 1024 bytes/);
  });

  it("answers RESOURCE_EXHAUSTED when a response is over maxSendMessageBytes", async () => {
    const err = await unaryCall((cb) => client.Unary({ size: 4000 }, cb)).then(() => undefined, (e) => e);
    assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(err.details, /response message of \d+ bytes exceeds the limit of 2048 bytes/);
  });

  it("answers RESOURCE_EXHAUSTED to request metadata over maxMetadataBytes", async () => {
    const md = new grpc.Metadata();
    md.set("x-big", "v".repeat(5000));
    const err = await unaryCall((cb) => client.Unary({}, md, cb)).then(() => undefined, (e) => e);
    assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(err.details, /metadata of \d+ bytes exceeds the limit of 4096 bytes/);
  });

  it("serves calls within the limits", async () => {
    const r = await unaryCall((cb) => client.Unary({ payload: Buffer.alloc(900), size: 1500 }, cb));
    assert.equal(r.value.payload!.length, 1500);
  });

  it("advertises maxConcurrentStreams and the stream window in its HTTP/2 settings", async () => {
    const server = createServer({ maxConcurrentStreams: 7, streamWindowBytes: 256 * 1024 });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      await onceWithin(session, "remoteSettings");
      assert.equal(session.remoteSettings.maxConcurrentStreams, 7);
      assert.equal(session.remoteSettings.initialWindowSize, 256 * 1024);
    } finally {
      session.close();
      await server.close({ graceMs: 0 });
    }
  });

  it("rejects invalid options with INVALID_ARGUMENT", () => {
    assert.throws(() => createServer({ maxConcurrentStreams: 0 }), (e: { code: Code }) => e.code === Code.InvalidArgument);
    assert.throws(() => createServer({ compression: "br" as never }), (e: { code: Code }) => e.code === Code.InvalidArgument);
    assert.throws(() => createServer({ keepalive: { timeMs: -1 } }), (e: { code: Code }) => e.code === Code.InvalidArgument);
    assert.throws(() => createServer({ decompression: { maxConcurrent: 0 } }), /decompression.maxConcurrent must be an integer from 1 to 1024, got 0/);
    assert.throws(() => createServer({ decompression: { maxWaitMs: 0 } }), /decompression.maxWaitMs must be a positive number of ms/);
  });
});

describe("TLS", { timeout: 20_000 }, () => {
  it("serves grpc-js over TLS with ALPN h2", async () => {
    const cert = readFileSync(`${TESTDATA}server-cert.pem`);
    const s = await startEchoServer({ tls: { key: readFileSync(`${TESTDATA}server-key.pem`), cert } });
    const client = echoClient(`localhost:${s.port}`, {}, grpc.credentials.createSsl(cert));
    try {
      const r = await unaryCall((cb) => client.Unary({ text: "secret" }, cb));
      assert.equal(r.value.text, "secret");
    } finally {
      client.close();
      await s.server.close({ graceMs: 0 });
    }
  });
});

describe("connections accepted elsewhere", { timeout: 10_000 }, () => {
  it("serves sockets handed to httpServer by another net.Server (protocol detection on a shared port)", async () => {
    const s = await startEchoServer();
    const front = net.createServer((socket) => s.server.httpServer.emit("connection", socket));
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    const client = echoClient(`127.0.0.1:${(front.address() as net.AddressInfo).port}`);
    try {
      const r = await unaryCall((cb) => client.Unary({ text: "via the front door" }, cb));
      assert.equal(r.value.text, "via the front door");
    } finally {
      client.close();
      front.close();
      await s.server.close({ graceMs: 0 });
    }
  });
});
