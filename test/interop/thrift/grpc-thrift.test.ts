/**
 * Thrift over gRPC (`application/grpc+thrift`) as Kitex speaks it: payloads byte for byte against
 * the golden messages of kitex.md 13.12, Kitex-style paths, all four call kinds, deadlines,
 * metadata, compression and declared exceptions.
 */
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { parseThrift } from "../../../src/codec/thrift/service.js";
import { thriftException, thriftExceptionOf } from "../../../src/codec/thrift/exception.js";
import { createClient, RpcError, type MethodDescriptor } from "../../../src/index.js";
import { createGrpcTransport } from "../../../src/transport/grpc/index.js";
import { createServer, type Server } from "../../../src/transport/grpc/grpc-server.js";
import { GOLDEN_GRPC_THRIFT } from "../ttheader/golden-frames.js";
import { within } from "../../helpers/wait.js";

const IDL = parseThrift(`
namespace go kitex.test.echo
struct Request { 1: string message }
struct Response { 1: string message }
exception Oops { 1: i32 code }
struct MockReq { 1: string Msg, 2: map<string, string> StrMap, 3: list<string> StrList }
service Echo {
  Response EchoUnary(1: Request req) (streaming.mode="unary")
  Response EchoPlain(1: Request req) throws (1: Oops oops)
  Response EchoServer(1: Request req) (streaming.mode="server")
  Response EchoClient(1: Request req) (streaming.mode="client")
  Response EchoBidi(1: Request req) (streaming.mode="bidirectional")
}`, { fileName: "echo.thrift" });

type Req = { message: string };
type M<K extends "unary" | "server" | "client" | "bidi", I = Req> = MethodDescriptor<I, Req, K>;
const Echo = IDL.service<{
  EchoUnary: M<"unary", { req: Req }>; EchoPlain: M<"unary", { req: Req }>;
  EchoServer: M<"server", Req>; EchoClient: M<"client", Req>; EchoBidi: M<"bidi", Req>;
}>("Echo");

const prefixed = (payload: Uint8Array) => {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out.toString("hex");
};

describe("Thrift over gRPC", () => {
  let server: Server;
  let target = "";
  const seen: { deadline?: number; meta?: string; compressed?: boolean } = {};

  before(async () => {
    server = createServer({ health: false, reflection: false }).service(Echo, {
      EchoUnary: ({ req }, ctx) => {
        seen.deadline = ctx.timeRemaining();
        seen.meta = ctx.requestMetadata.getString("x-meta");
        seen.compressed = ctx.lastRequestCompressed;
        ctx.responseTrailers.set("x-trailer", "t");
        return { message: req.message };
      },
      EchoPlain: ({ req }) => {
        if (req.message === "oops") throw thriftException("Oops", { code: 7 });
        return { message: req.message };
      },
      async *EchoServer(req) { for (let i = 0; i < 3; i++) yield { message: `${req.message}${i}` }; },
      async EchoClient(reqs) {
        let all = "";
        for await (const r of reqs) all += r.message;
        return { message: all };
      },
      async *EchoBidi(reqs) { for await (const r of reqs) yield { message: r.message.toUpperCase() }; },
    });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    target = `127.0.0.1:${port}`;
  });

  after(() => server?.close({ graceMs: 100 }));

  it("encodes the payloads of kitex.md 13.12 byte for byte", () => {
    const m = Echo.methods;
    assert.equal(prefixed(m.EchoUnary.input.encode({ req: { message: "hi" } })), GOLDEN_GRPC_THRIFT.unaryArgs);
    assert.equal(prefixed(m.EchoUnary.output.encode({ message: "hi" })), GOLDEN_GRPC_THRIFT.unaryResult);
    assert.equal(prefixed(m.EchoBidi.input.encode({ message: "hi" })), GOLDEN_GRPC_THRIFT.streamMessage);
    assert.equal(prefixed(m.EchoServer.output.encode({ message: "hi" })), GOLDEN_GRPC_THRIFT.streamMessage);
    const mock = IDL.struct("MockReq").encode({ Msg: "hello", StrMap: new Map(), StrList: [] });
    assert.equal(prefixed(mock), GOLDEN_GRPC_THRIFT.mockReq);
  });

  it("answers a Kitex client's request (Kitex path, application/grpc+thrift) with the golden reply", async () => {
    const session = http2.connect(`http://${target}`);
    try {
      const req = session.request({
        ":method": "POST", ":path": "/echo.Echo/EchoUnary", "content-type": "application/grpc+thrift", te: "trailers",
      });
      req.end(Buffer.from(GOLDEN_GRPC_THRIFT.unaryArgs, "hex"));
      const chunks: Buffer[] = [];
      let contentType: unknown;
      let status: unknown;
      req.on("response", (h) => (contentType = h["content-type"]));
      req.on("trailers", (t) => (status = t["grpc-status"]));
      req.on("data", (d: Buffer) => chunks.push(d));
      await within(new Promise((r) => req.on("end", r)), "the end of the response");
      assert.equal(contentType, "application/grpc+thrift");
      assert.equal(status, "0");
      assert.equal(Buffer.concat(chunks).toString("hex"), GOLDEN_GRPC_THRIFT.unaryResult);
    } finally {
      session.close();
    }
  });

  it("refuses a Protobuf or JSON subtype for a Thrift method (HTTP 415, UNIMPLEMENTED) and takes the bare type", async () => {
    const session = http2.connect(`http://${target}`);
    session.on("error", () => {});
    const send = (contentType: string) => within(new Promise<http2.IncomingHttpHeaders>((resolve) => {
      const req = session.request({ ":method": "POST", ":path": "/echo.Echo/EchoUnary", "content-type": contentType, te: "trailers" });
      let headers: http2.IncomingHttpHeaders = {};
      req.on("response", (h) => (headers = h));
      req.on("trailers", (t) => (headers = { ...headers, ...t }));
      req.on("error", () => {});
      req.resume();
      req.on("close", () => resolve(headers));
      req.end(Buffer.from(GOLDEN_GRPC_THRIFT.unaryArgs, "hex"));
    }), "the trailers");
    try {
      for (const ct of ["application/grpc+proto", "application/grpc+json"]) {
        const h = await send(ct);
        assert.equal(h[":status"], 415, ct);
        assert.equal(h["grpc-status"], "12", ct);
        assert.match(decodeURIComponent(String(h["grpc-message"])), /is not served for method \/Echo\/EchoUnary \(Thrift\): send application\/grpc or application\/grpc\+thrift/);
      }
      assert.equal((await send("application/grpc"))["grpc-status"], "0");
    } finally {
      session.close();
    }
  });

  it("runs all four call kinds with deadline, metadata and gzip", async () => {
    const t = createGrpcTransport({ target });
    try {
      const c = createClient(Echo, t);
      let trailer = "";
      const r = await c.EchoUnary({ req: { message: "u" } }, {
        timeoutMs: 5000, metadata: { "x-meta": "m" }, compression: "gzip", onTrailer: (tr) => (trailer = tr.getString("x-trailer") ?? ""),
      });
      assert.equal(r.message, "u");
      assert.ok(seen.deadline !== undefined && seen.deadline <= 5000 && seen.deadline > 4000);
      assert.deepEqual([seen.meta, seen.compressed, trailer], ["m", true, "t"]);
      const streamed: string[] = [];
      for await (const x of c.EchoServer({ message: "s" })) streamed.push(x.message);
      assert.deepEqual(streamed, ["s0", "s1", "s2"]);
      assert.equal((await c.EchoClient([{ message: "a" }, { message: "b" }])).message, "ab");
      const bidi: string[] = [];
      for await (const x of c.EchoBidi([{ message: "x" }, { message: "y" }])) bidi.push(x.message);
      assert.deepEqual(bidi, ["X", "Y"]);
    } finally {
      await t.close();
    }
  });

  it("carries a declared exception in the Result struct with status OK, as Kitex does", async () => {
    const t = createGrpcTransport({ target });
    try {
      const c = createClient(Echo, t);
      assert.equal((await c.EchoPlain({ req: { message: "fine" } })).message, "fine");
      await assert.rejects(c.EchoPlain({ req: { message: "oops" } }), (e: RpcError) => {
        assert.deepEqual({ ...thriftExceptionOf(e)?.value }, { code: 7 });
        return true;
      });
    } finally {
      await t.close();
    }
  });
});
