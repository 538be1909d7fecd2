import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Code, RpcError } from "../../core/index.js";
import { thriftException, thriftExceptionOf } from "./exception.js";
import { loadThrift, parseThrift, thriftMethodOf } from "./service.js";

const idlDir = fileURLToPath(new URL("../../../../src/idl/thrift/testdata/", import.meta.url));
const chatPkg = () => loadThrift(path.join(idlDir, "main.thrift"), { includeDirs: [path.join(idlDir, "extra")] });

const ECHO = `
  namespace * org.example.EchoNS
  struct Req { 1: string msg }
  exception Bad { 1: i32 code, 2: string message }
  exception Worse { 1: string message }
  service Echo {
    string ping(1: string msg, 2: i64 n) (idempotent = "true"),
    void fail(1: i32 how) throws (1: Bad bad, 2: Worse worse),
    oneway void fire(1: string msg),
    Req stream(1: Req r) (streaming.mode = "server"),
  }`;

describe("Thrift service descriptors", () => {
  it("describe every function, inherited ones included, with kinds from streaming.mode", () => {
    const chat = chatPkg().service("Chat");
    assert.equal(chat.name, "Chat");
    assert.equal(chat.idl, "thrift");
    const kinds = Object.fromEntries(Object.values(chat.methods).map((m) => [m.name, m.kind]));
    assert.deepEqual(kinds, {
      version: "unary", blob: "unary", complete: "unary", stream: "server", upload: "client", talk: "bidi", once: "unary", notify: "unary", ping: "unary",
    });
    const v = chat.methods["version"]!;
    assert.equal(v.path, "/Chat/version");
    assert.equal(v.serviceName, "Chat");
    assert.equal(v.idempotent, true);
    assert.equal(chat.methods["talk"]!.options["streaming.mode"], "bidirectional");
  });

  it("expose Kitex's gRPC package and paths", () => {
    const chat = chatPkg().service("Chat");
    assert.equal(chat.meta["kitexPackage"], "chat"); // namespace go weir.test.chat
    assert.equal(thriftMethodOf(chat.methods["talk"]!)!.kitexGrpcPath, "/chat.Chat/talk");
    assert.equal(parseThrift(ECHO).service("Echo").meta["kitexPackage"], "echons"); // namespace *
    assert.equal(parseThrift("service S {}", { fileName: "My_File.thrift" }).service("S").meta["kitexPackage"], "my_file");
  });

  it("give unary handlers the params object and take the success value", () => {
    const ping = parseThrift(ECHO).service("Echo").methods["ping"]!;
    const req = ping.input.decode(ping.input.encode({ msg: "hi", n: 5n }));
    assert.deepEqual(req, { msg: "hi", n: 5n });
    assert.equal(ping.output.decode(ping.output.encode("pong")), "pong");
    assert.throws(() => ping.output.decode(new Uint8Array([0])), (e: unknown) => e instanceof RpcError && e.code === Code.Internal && /unknown result/.test(e.message));
  });

  it("carry declared exceptions by struct or field name, and only declared ones", () => {
    const svc = parseThrift(ECHO).service("Echo");
    const fail = thriftMethodOf(svc.methods["fail"]!)!;
    for (const p of ["binary", "compact"] as const) {
      const byType = fail.encodeDeclared(p, thriftException("Worse", { message: "w" }))!;
      const byField = fail.encodeDeclared(p, thriftException("worse", { message: "w" }))!;
      assert.deepEqual([...byType], [...byField]);
      assert.throws(() => fail.decodeResult(p, byType, 0), (e: unknown) => {
        assert.deepEqual(thriftExceptionOf(e), { type: "thrift.exception", name: "Worse", field: "worse", value: { message: "w" } });
        assert.equal((e as RpcError).code, Code.Unknown);
        return true;
      });
      assert.equal(fail.decodeResult(p, fail.encodeSuccess(p, undefined), 0), undefined);
    }
    assert.equal(fail.encodeDeclared("binary", thriftException("Other", {})), undefined);
    assert.equal(fail.encodeDeclared("binary", new Error("plain")), undefined);
    assert.equal(fail.encodeDeclared("binary", new RpcError(Code.Internal, "x")), undefined);
  });

  it("encode oneway and void results and streaming payloads", () => {
    const svc = parseThrift(ECHO).service("Echo");
    const fire = thriftMethodOf(svc.methods["fire"]!)!;
    assert.equal(fire.oneway, true);
    assert.equal(fire.codecs("binary").result, undefined);
    assert.deepEqual([...svc.methods["fire"]!.output.encode(undefined)], [0]);
    const stream = svc.methods["stream"]!;
    assert.equal(stream.kind, "server");
    assert.deepEqual(stream.input.decode(stream.input.encode({ msg: "m" })), { msg: "m" });
    const codecs = thriftMethodOf(stream)!.codecs("compact");
    assert.deepEqual(codecs.request!.decode(codecs.request!.encode({ msg: "c" })), { msg: "c" });
  });

  it("reject streaming functions without a struct argument and result, with the position", () => {
    assert.throws(() => parseThrift('service S {\n  string s(1: string x) (streaming.mode = "server")\n}', { fileName: "s.thrift" }).service("S"),
      (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && /s\.thrift:2:3: streaming function s must take one struct/.test(e.message));
  });

  it("apply codec options to every method and to struct codecs", () => {
    const pkg = parseThrift(ECHO, { i64: "string" });
    const ping = pkg.service("Echo").methods["ping"]!;
    assert.deepEqual(ping.input.decode(ping.input.encode({ msg: "a", n: 7n })), { msg: "a", n: "7" });
    const req = pkg.struct("Req", "compact");
    assert.equal(req.protocol, "compact");
    assert.deepEqual(req.decode(req.encode({ msg: "x" })), { msg: "x" });
    assert.equal(pkg.services().length, 1);
  });
});
