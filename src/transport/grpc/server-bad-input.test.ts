// Hostile and malformed input from raw node:http2 clients: each case gets its exact error, and the
// server keeps serving other calls afterwards.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, afterEach, before, describe, it } from "node:test";
import { Code } from "../../index.js";
import {
  Echo, echoClient, frame, nextEvent, rawRequest, rawSession, rawStatus, startEchoServer, unaryCall, unframe, type EchoServer,
} from "./server-fixture.js";

const UNARY = "/weir.test.server.Echo/Unary";
const CLIENT_STREAM = "/weir.test.server.Echo/ClientStream";
const good = () => frame(Echo.methods.Unary.input.encode({ text: "ok" }));

describe("bad input", { timeout: 30_000 }, () => {
  let s: EchoServer;
  let client: any;
  let session: http2.ClientHttp2Session;
  before(async () => {
    s = await startEchoServer();
    client = echoClient(s.target);
  });
  after(async () => {
    client.close();
    await s.server.close({ graceMs: 0 });
  });

  /** The server still answers on the same connection and to grpc-js. */
  async function stillServes(): Promise<void> {
    const r = await rawRequest(session, UNARY, good());
    assert.equal(rawStatus(r).code, Code.Ok);
    assert.equal(Echo.methods.Unary.output.decode(unframe(r.body)[0]!.payload).text, "ok");
    const g = await unaryCall((cb) => client.Unary({ text: "grpc-js" }, cb));
    assert.equal(g.value.text, "grpc-js");
  }

  async function expectStatus(path: string, body: Buffer | Buffer[], code: Code, message: RegExp, headers: http2.OutgoingHttpHeaders = {}): Promise<void> {
    session = await rawSession(s.port);
    try {
      const r = await rawRequest(session, path, body, { headers });
      const st = rawStatus(r);
      assert.equal(st.code, code, `expected ${Code[code]}, got ${st.code} (${st.message})`);
      assert.match(st.message, message);
      assert.equal(r.headers[":status"], 200);
      await stillServes();
    } finally {
      session.close();
    }
  }

  it("a length prefix over the limit: RESOURCE_EXHAUSTED before the message arrives", async () => {
    const prefix = Buffer.from([0, 0, 0x50, 0, 0]); // 5 MiB announced, nothing sent
    await expectStatus(UNARY, prefix, Code.ResourceExhausted, /^message of 5242880 bytes exceeds the limit of 4194304 bytes$/);
  });

  it("the compressed flag without grpc-encoding: INTERNAL", async () => {
    await expectStatus(UNARY, frame(Buffer.from([10, 1, 0x61]), true), Code.Internal, /compressed flag set but the call has no grpc-encoding/);
  });

  it("an unknown grpc-encoding: UNIMPLEMENTED, with the encodings we accept", async () => {
    session = await rawSession(s.port);
    try {
      const r = await rawRequest(session, UNARY, frame(Buffer.from([1]), true), { headers: { "grpc-encoding": "br" } });
      assert.equal(rawStatus(r).code, Code.Unimplemented);
      assert.match(rawStatus(r).message, /grpc-encoding "br" is not supported/);
      assert.equal(r.headers["grpc-accept-encoding"], "gzip,deflate,identity");
      await stillServes();
    } finally {
      session.close();
    }
  });

  it("a stream that ends inside a message: INTERNAL", async () => {
    const partial = Buffer.concat([Buffer.from([0, 0, 0, 0, 10]), Buffer.from([10, 1, 0x61])]);
    await expectStatus(UNARY, partial, Code.Internal, /^stream ended inside a message/);
  });

  it("a stream that ends inside the 5-byte prefix: INTERNAL", async () => {
    await expectStatus(UNARY, Buffer.from([0, 0, 0]), Code.Internal, /^stream ended inside a message/);
  });

  it("invalid protobuf bytes: INTERNAL", async () => {
    await expectStatus(UNARY, frame(Buffer.from([0x12, 0x7f, 0x01])), Code.Internal, /^cannot decode weir\.test\.server\.EchoRequest/);
  });

  it("invalid protobuf bytes in a request stream: INTERNAL", async () => {
    const body = [frame(Echo.methods.Unary.input.encode({ text: "fine" })), frame(Buffer.from([0x12, 0x7f]))];
    await expectStatus(CLIENT_STREAM, body, Code.Internal, /^cannot decode weir\.test\.server\.EchoRequest/);
  });

  it("reserved bits in the flags byte: INTERNAL", async () => {
    const bad = good();
    bad[0] = 0x80;
    await expectStatus(UNARY, bad, Code.Internal, /^invalid message flags 0x80$/);
  });

  it("two messages for a unary method: INTERNAL", async () => {
    await expectStatus(UNARY, [good(), good()], Code.Internal, /^more than one request message for unary method/);
  });

  it("no message for a unary method: INTERNAL", async () => {
    await expectStatus(UNARY, Buffer.alloc(0), Code.Internal, /^no request message for unary method/);
  });

  it("a malformed grpc-timeout: INTERNAL", async () => {
    await expectStatus(UNARY, good(), Code.Internal, /^malformed grpc-timeout "soon"$/, { "grpc-timeout": "soon" });
  });

  it("an unknown service or method: UNIMPLEMENTED, trailers-only", async () => {
    await expectStatus("/no.such.Service/Call", good(), Code.Unimplemented, /^unknown service no\.such\.Service$/);
    await expectStatus("/weir.test.server.Echo/Nope", good(), Code.Unimplemented, /^unknown method Nope of service weir\.test\.server\.Echo$/);
    await expectStatus("/garbage", good(), Code.Unimplemented, /^malformed method path "\/garbage"$/);
  });

  it("a content type other than application/grpc: HTTP 415", async () => {
    session = await rawSession(s.port);
    try {
      for (const ct of ["application/json", "text/plain", "application/grpc-web", "application/grpcx"]) {
        const r = await rawRequest(session, UNARY, good(), { headers: { "content-type": ct } });
        assert.equal(r.headers[":status"], 415, ct);
      }
      const plus = await rawRequest(session, UNARY, good(), { headers: { "content-type": "application/grpc+proto" } });
      assert.equal(rawStatus(plus).code, Code.Ok);
      assert.equal(plus.headers["content-type"], "application/grpc+proto");
      await stillServes();
    } finally {
      session.close();
    }
  });

  it("a gRPC content subtype the server cannot decode: HTTP 415 with UNIMPLEMENTED, not decoded as Protobuf", async () => {
    session = await rawSession(s.port);
    try {
      for (const ct of ["application/grpc+json", "application/grpc+json;charset=utf-8", "application/grpc+thrift", "application/grpc+"]) {
        const r = await rawRequest(session, UNARY, good(), { headers: { "content-type": ct } });
        assert.equal(r.headers[":status"], 415, ct);
        const st = rawStatus(r);
        assert.equal(st.code, Code.Unimplemented, ct);
        assert.match(st.message, /content-type "application\/grpc\+[^"]*" is not served for method \/weir\.test\.server\.Echo\/Unary \(Protobuf\): send application\/grpc or application\/grpc\+proto/);
      }
      for (const ct of ["application/grpc", "application/grpc+proto", "application/grpc;charset=utf-8", "application/grpc+proto;charset=utf-8"]) {
        const r = await rawRequest(session, UNARY, good(), { headers: { "content-type": ct } });
        assert.equal(rawStatus(r).code, Code.Ok, ct);
      }
      await stillServes();
    } finally {
      session.close();
    }
  });

  it("a method other than POST: HTTP 405", async () => {
    session = await rawSession(s.port);
    try {
      const r = await rawRequest(session, UNARY, good(), { headers: { ":method": "PUT" } });
      assert.equal(r.headers[":status"], 405);
      await stillServes();
    } finally {
      session.close();
    }
  });

  it("oversized metadata: RESOURCE_EXHAUSTED over the limit, the stream reset far over it", async () => {
    await expectStatus(UNARY, good(), Code.ResourceExhausted, /^request metadata of \d+ bytes exceeds the limit of 8192 bytes$/, { "x-big": "v".repeat(10_000) });
    session = await rawSession(s.port);
    try {
      const r = await rawRequest(session, UNARY, good(), { headers: { "x-huge": "v".repeat(100_000) } }).catch((e: Error) => e);
      assert.ok(r instanceof Error || r.rstCode !== 0 || Number.isNaN(rawStatus(r).code), "headers beyond the HTTP/2 limit are refused by HTTP/2 itself");
    } finally {
      session.destroy();
    }
    session = await rawSession(s.port);
    try {
      await stillServes();
    } finally {
      session.close();
    }
  });

  it("a flood of RST_STREAM does not hurt other connections", async () => {
    const flood = await rawSession(s.port);
    flood.on("error", () => {});
    const bystander = client.ServerStream({ count: 200, delay_ms: 1 });
    const got = (async () => {
      let n = 0;
      for await (const _ of bystander) n++;
      return n;
    })();
    const started = Date.now();
    let opened = 0;
    for (let i = 0; i < 20_000 && Date.now() - started < 5000 && !flood.destroyed && !flood.closed; i++) {
      try {
        const req = flood.request({ ":method": "POST", ":path": UNARY, "content-type": "application/grpc" });
        req.on("error", () => {});
        req.close(http2.constants.NGHTTP2_CANCEL);
        opened++;
      } catch {
        break; // the server sent GOAWAY: the session refuses new streams
      }
      if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(opened > 100, `sent ${opened} resets`);
    assert.equal(await got, 200, "a call on another connection ran to the end during the flood");
    flood.destroy();
    session = await rawSession(s.port);
    try {
      await stillServes();
    } finally {
      session.close();
    }
  });
});

describe("a call that the client abandons mid-message", { timeout: 10_000 }, () => {
  let s: EchoServer;
  afterEach(() => s?.server.close({ graceMs: 0 }));

  it("cancels the call and frees it", async () => {
    s = await startEchoServer();
    const session = await rawSession(s.port);
    const req = session.request({ ":method": "POST", ":path": CLIENT_STREAM, "content-type": "application/grpc" });
    req.on("error", () => {});
    const started = nextEvent(s.probe, "started", "ClientStream");
    const aborted = nextEvent(s.probe, "aborted", "ClientStream");
    req.write(Buffer.from([0, 0, 0, 1, 0]));
    await started;
    assert.equal(s.server.engine.activeCalls, 1);
    req.close(http2.constants.NGHTTP2_CANCEL);
    const [reason] = (await aborted) as [{ code: Code }];
    assert.equal(reason.code, Code.Canceled, "the handler's request iteration throws CANCELLED");
    assert.equal(s.server.engine.activeCalls, 0);
    session.close();
    const client = echoClient(s.target);
    const r = await unaryCall((cb) => client.Unary({ text: "after" }, cb));
    assert.equal(r.value.text, "after");
    client.close();
  });
});
