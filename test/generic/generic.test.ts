// Generic JSON calls (no generated code) against a real Weir server: a .proto service and a .thrift
// service on one port, called over gRPC (all four kinds) and over TTHeader (Thrift unary).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadThrift, thriftException, thriftExceptionOf } from "../../src/thrift.js";
import { Code, RpcError, createGenericClient, loadProtoSync, type GenericClient, type ServerCallContext } from "../../src/index.js";
import { createGrpcTransport, createServer, type GrpcTransport, type Server } from "../../src/transport/index.js";
import { listenAllProtocols, type MultiProtocolServer } from "../../src/transport/detection/index.js";
import { createTTHeaderTransport } from "../../src/transport/thrift/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "weir-generic-"));
writeFileSync(path.join(dir, "echo.proto"), `
  syntax = "proto3";
  package gen.test;
  import "google/protobuf/timestamp.proto";
  message Req { string text = 1; int64 big = 2; int32 count = 3; google.protobuf.Timestamp at = 4; int32 fail = 5; }
  message Rep { string text = 1; int64 big = 2; int32 index = 3; google.protobuf.Timestamp at = 4; }
  service Echo {
    rpc Unary(Req) returns (Rep);
    rpc Server(Req) returns (stream Rep);
    rpc Client(stream Req) returns (Rep);
    rpc Bidi(stream Req) returns (stream Rep);
  }
`);
writeFileSync(path.join(dir, "echo.thrift"), `
  namespace go gentest
  struct Req { 1: string text, 2: i64 big, 3: i32 count }
  struct Rep { 1: string text, 2: i64 big, 3: i32 index }
  exception Oops { 1: i32 code, 2: string message }
  service TEcho {
    Rep echo(1: Req req) throws (1: Oops oops),
    i32 add(1: i32 a, 2: i32 b),
    Rep server(1: Req req) (streaming.mode="server"),
    Rep client(1: Req req) (streaming.mode="client"),
    Rep bidi(1: Req req) (streaming.mode="bidirectional"),
  }
`);
const proto = loadProtoSync(path.join(dir, "echo.proto"));
const thrift = loadThrift(path.join(dir, "echo.thrift"));
type Msg = Record<string, any>;

async function collect(source: AsyncIterable<unknown>): Promise<Msg[]> {
  const out: Msg[] = [];
  for await (const m of source) out.push(m as Msg);
  return out;
}

const protoImpl = {
  Unary(req: Msg, ctx: ServerCallContext) {
    if (req["fail"]) throw new RpcError(req["fail"], "asked to fail");
    return { text: `${req["text"]}${ctx.requestMetadata.getString("x-tag") ?? ""}`, big: req["big"], at: req["at"] };
  },
  async *Server(req: Msg) {
    for (let i = 0; i < req["count"]; i++) yield { text: req["text"], index: i };
  },
  async Client(reqs: AsyncIterable<Msg>) {
    let text = "";
    for await (const r of reqs) text += r["text"];
    return { text };
  },
  async *Bidi(reqs: AsyncIterable<Msg>) {
    let i = 0;
    for await (const r of reqs) yield { text: r["text"].toUpperCase(), index: i++ };
  },
};

const thriftImpl = {
  echo({ req }: Msg) {
    if (req.count === 13) throw thriftException("Oops", { code: 13, message: "unlucky" });
    return { text: req.text, big: req.big };
  },
  add: ({ a, b }: Msg) => a + b,
  async *server(req: Msg) {
    for (let i = 0; i < req["count"]; i++) yield { text: req["text"], index: i };
  },
  async client(reqs: AsyncIterable<Msg>) {
    let n = 0n;
    for await (const r of reqs) n += BigInt(r["big"] ?? 0);
    return { big: n };
  },
  async *bidi(reqs: AsyncIterable<Msg>) {
    for await (const r of reqs) yield { text: `<${r["text"]}>` };
  },
};

describe("generic JSON calls", { timeout: 30_000 }, () => {
  let server: Server;
  let all: MultiProtocolServer;
  let grpc: GrpcTransport;
  let generic: GenericClient;

  before(async () => {
    server = createServer().service(proto.service("gen.test.Echo"), protoImpl).service(thrift.service("TEcho"), thriftImpl);
    all = await listenAllProtocols(server, { host: "127.0.0.1", port: 0 });
    grpc = createGrpcTransport({ target: `127.0.0.1:${all.address.port}` });
    generic = createGenericClient([...proto.services(), ...thrift.services()], grpc);
  });
  after(async () => {
    await grpc?.close();
    await all?.close({ graceMs: 100 });
  });

  it("unary Protobuf: proto3 JSON in and out, exact int64, Timestamp text, metadata passed", async () => {
    const res = await generic.call("gen.test.Echo/Unary", { text: "hi", big: "9007199254740993", at: "2024-05-01T10:00:00.500Z" }, { metadata: { "x-tag": "!" } });
    assert.deepEqual(res, { text: "hi!", big: "9007199254740993", at: "2024-05-01T10:00:00.500Z" });
    assert.deepEqual(await generic.unary("/gen.test.Echo/Unary", { text: "x" }, { json: { emitDefaults: true } }), { text: "x", big: "0", index: 0 });
  });

  it("server, client and bidi streams of Protobuf JSON", async () => {
    assert.deepEqual(await collect(generic.serverStream("Echo/Server", { text: "t", count: 3 })), [{ text: "t" }, { text: "t", index: 1 }, { text: "t", index: 2 }]);
    assert.deepEqual(await generic.clientStream("gen.test.Echo.Client", [{ text: "a" }, { text: "b" }, { text: "c" }]), { text: "abc" });
    async function* words() { yield { text: "x" }; yield { text: "y" }; }
    assert.deepEqual(await collect(generic.call("Echo/Bidi", words()) as AsyncIterable<unknown>), [{ text: "X" }, { text: "Y", index: 1 }]);
  });

  it("Thrift over gRPC: the single struct argument as Kitex maps it, arguments by name otherwise, all four kinds", async () => {
    assert.deepEqual(await generic.call("TEcho/echo", { text: "hi", big: "1234567890123456789" }), { text: "hi", big: "1234567890123456789" });
    assert.equal(await generic.call("TEcho/add", { a: 2, b: 40 }), 42);
    assert.deepEqual(await collect(generic.serverStream("TEcho/server", { text: "s", count: 2 })), [{ text: "s", index: 0 }, { text: "s", index: 1 }]);
    assert.deepEqual(await generic.clientStream("/gentest.TEcho/client", [{ big: 2 }, { big: "9007199254740993" }]), { big: "9007199254740995" });
    assert.deepEqual(await collect(generic.bidiStream("TEcho/bidi", [{ text: "a" }, { text: "b" }])), [{ text: "<a>" }, { text: "<b>" }]);
  });

  it("Thrift over TTHeader: unary JSON and a declared exception with its value as JSON", async () => {
    const tt = createTTHeaderTransport({ target: `127.0.0.1:${all.address.port}` });
    try {
      const overTtheader = createGenericClient(thrift.services(), tt);
      assert.deepEqual(await overTtheader.call("echo", { text: "over ttheader", big: 7 }), { text: "over ttheader", big: 7 });
      const err = await (overTtheader.call("echo", { count: 13 }) as Promise<unknown>).catch((e: unknown) => e);
      const ex = thriftExceptionOf(err);
      assert.ok(ex, `expected a declared exception, got ${err}`);
      assert.equal(ex.field, "oops");
      assert.deepEqual(ex.value, { code: 13, message: "unlucky" });
    } finally {
      await tt.close();
    }
  });

  it("errors: the server's code, INVALID_ARGUMENT for bad JSON before sending, NOT_FOUND for unknown names", async () => {
    await assert.rejects(generic.unary("Echo/Unary", { fail: Code.NotFound }), (e: unknown) => e instanceof RpcError && e.code === Code.NotFound);
    await assert.rejects(generic.unary("Echo/Unary", { nope: 1 }), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && /no field "nope"/.test(e.message));
    await assert.rejects(collect(generic.bidiStream("Echo/Bidi", [{ text: 5 }])), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument);
    assert.throws(() => generic.method("Echo/Missing"), (e: unknown) => e instanceof RpcError && e.code === Code.NotFound);
    await assert.rejects(generic.unary("Echo/Server", {}), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && /server method/.test(e.message));
  });

  it("deadlines and cancellation reach the call", async () => {
    const controller = new AbortController();
    const stream = generic.serverStream("Echo/Server", { text: "t", count: 1_000_000 }, { signal: controller.signal });
    let n = 0;
    await assert.rejects(async () => {
      for await (const _ of stream) if (++n === 3) controller.abort();
    }, (e: unknown) => e instanceof RpcError && e.code === Code.Canceled);
    assert.ok(n >= 3 && n < 1_000_000);
  });
});
