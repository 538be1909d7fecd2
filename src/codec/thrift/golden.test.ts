/**
 * Golden bytes from the Kitex facts (specs/kitex.md section 13): Thrift-over-gRPC payloads
 * (13.12), message headers (13.10d) and the Thrift messages inside the TTHeader frames
 * (13.1, 13.3, 13.4, 13.5, 13.7, 13.8, 13.9, 13.11b, 13.11f), encoded and decoded byte for byte.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applicationExceptionCodec, TApplicationExceptionType } from "./application-exception.js";
import { thriftExceptionOf, thriftException } from "./exception.js";
import { decodeMessageHeader, encodeMessage, ThriftMessageType, writeMessageHeader } from "./message.js";
import { parseThrift } from "./service.js";
import { ThriftWriter } from "./writer.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
/** The 5-byte gRPC message prefix (uncompressed) + body, as in 13.12. */
const grpcFrame = (body: Uint8Array) => `00${body.length.toString(16).padStart(8, "0")}${hex(body)}`;

const pkg = parseThrift(`
  struct MockReq { 1: string Msg, 2: map<string, string> StrMap, 3: list<string> StrList }
  struct Request { 1: string msg }
  struct Response { 1: string msg }
  exception EchoError { 1: i32 code, 2: string message }
  service Echo {
    string ping(1: string msg),
    i64 add(1: i64 a, 2: i64 b),
    void fail(1: i32 code) throws (1: EchoError err),
    Response UnaryEcho(1: Request req) (streaming.mode = "unary"),
    Response StreamEcho(1: Request req) (streaming.mode = "bidirectional"),
  }
`, { fileName: "echo.thrift" });
const Echo = pkg.service("Echo");
const m = (name: string) => Echo.methods[name]!;

describe("Kitex golden bytes: Thrift over gRPC (13.12)", () => {
  it("13.12a MarshalThriftData of MockReq", () => {
    const c = pkg.struct("MockReq");
    const v = { Msg: "hello", StrMap: new Map(), StrList: [] };
    assert.equal(grpcFrame(c.encode(v)), "000000001e0b00010000000568656c6c6f0d00020b0b000000000f00030b0000000000");
    assert.deepEqual(c.decode(bytes("0b00010000000568656c6c6f0d00020b0b000000000f00030b0000000000")), v);
  });

  it("13.12b unary-mode request is the Args wrapper; the handler sees the params object", () => {
    const input = m("UnaryEcho").input;
    assert.equal(grpcFrame(input.encode({ req: { msg: "hi" } })), "000000000e0c00010b00010000000268690000");
    assert.deepEqual(input.decode(bytes("0c00010b00010000000268690000")), { req: { msg: "hi" } });
  });

  it("13.12c unary-mode response is the Result wrapper with field 0; the codec unwraps success", () => {
    const output = m("UnaryEcho").output;
    assert.equal(grpcFrame(output.encode({ msg: "hi" })), "000000000e0c00000b00010000000268690000");
    assert.deepEqual(output.decode(bytes("0c00000b00010000000268690000")), { msg: "hi" });
  });

  it("13.12d streaming messages are the bare request and response structs", () => {
    const { input, output, kind } = m("StreamEcho");
    assert.equal(kind, "bidi");
    assert.equal(grpcFrame(input.encode({ msg: "hi" })), "000000000a0b000100000002686900");
    assert.equal(grpcFrame(output.encode({ msg: "hi" })), "000000000a0b000100000002686900");
    assert.deepEqual(output.decode(bytes("0b000100000002686900")), { msg: "hi" });
  });

  it("a declared exception travels in the Result struct at its field id", () => {
    const tm = Echo.meta["thriftMethods"] as Record<string, any>;
    const body = tm["fail"].encodeDeclared("binary", thriftException("EchoError", { code: 7, message: "no" }));
    assert.equal(hex(body), "0c0001080001000000070b0002000000026e6f0000");
    assert.throws(() => m("fail").output.decode(body), (e: unknown) => {
      assert.deepEqual(thriftExceptionOf(e), { type: "thrift.exception", name: "EchoError", field: "err", value: { code: 7, message: "no" } });
      return true;
    });
    assert.equal(m("fail").output.decode(bytes("00")), undefined);
  });
});

describe("Kitex golden bytes: Thrift messages (13.1-13.11)", () => {
  const tm = (name: string) => (Echo.meta["thriftMethods"] as Record<string, any>)[name];
  const call = (name: string, seqId: number, body: Uint8Array, type: number = ThriftMessageType.Call) => {
    const w = new ThriftWriter();
    writeMessageHeader(w, "binary", { name, type, seqId });
    w.bytes(body);
    return hex(w.finish());
  };

  it("13.10d message headers for CALL, REPLY, EXCEPTION and ONEWAY", () => {
    for (const type of [1, 2, 3, 4]) {
      const w = new ThriftWriter();
      writeMessageHeader(w, "binary", { name: "messageBegin", type, seqId: 1 });
      const expected = `800100${type.toString(16).padStart(2, "0")}0000000c6d657373616765426567696e00000001`;
      assert.equal(hex(w.finish()), expected);
      assert.deepEqual(decodeMessageHeader(bytes(expected)), { protocol: "binary", name: "messageBegin", type, seqId: 1, bodyOffset: 24 });
    }
  });

  it("13.1 CALL ping(\"hello\") seq 1 and 13.3 its REPLY", () => {
    const callHex = "800100010000000470696e67000000010b00010000000568656c6c6f00";
    assert.equal(call("ping", 1, tm("ping").encodeArgs("binary", { msg: "hello" })), callHex);
    const h = decodeMessageHeader(bytes(callHex));
    assert.deepEqual(tm("ping").decodeArgs("binary", bytes(callHex), h.bodyOffset), { msg: "hello" });
    const replyHex = "800100020000000470696e67000000010b00000000000568656c6c6f00";
    assert.equal(call("ping", 1, tm("ping").encodeSuccess("binary", "hello"), ThriftMessageType.Reply), replyHex);
    assert.equal(tm("ping").decodeResult("binary", bytes(replyHex), 16), "hello");
  });

  it("13.4 CALL add(2,3) seq 2 and 13.5 REPLY 5 (i64 arguments)", () => {
    const callHex = "8001000100000003616464000000020a000100000000000000020a0002000000000000000300";
    assert.equal(call("add", 2, tm("add").encodeArgs("binary", { a: 2n, b: 3n })), callHex);
    assert.deepEqual(tm("add").decodeArgs("binary", bytes(callHex), 15), { a: 2n, b: 3n });
    const replyHex = "8001000200000003616464000000020a0000000000000000000500";
    assert.equal(call("add", 2, tm("add").encodeSuccess("binary", 5n), ThriftMessageType.Reply), replyHex);
    assert.equal(tm("add").decodeResult("binary", bytes(replyHex), 15), 5n);
  });

  it("13.7 REPLY with an empty Result struct (business error)", () => {
    assert.equal(call("ping", 1, tm("ping").emptyResult("binary"), ThriftMessageType.Reply), "800100020000000470696e670000000100");
  });

  it("13.8 EXCEPTION: TApplicationException UNKNOWN_METHOD", () => {
    const exHex = "80010003000000046e6f7065000000010b000100000013756e6b6e6f776e206d6574686f64206e6f70650800020000000100";
    const value = { message: "unknown method nope", type: TApplicationExceptionType.UNKNOWN_METHOD };
    const c = applicationExceptionCodec("binary");
    assert.equal(hex(encodeMessage(c, { name: "nope", type: ThriftMessageType.Exception, seqId: 1 }, value)), exHex);
    const h = decodeMessageHeader(bytes(exHex));
    assert.equal(h.type, ThriftMessageType.Exception);
    assert.deepEqual(c.decode(bytes(exHex).subarray(h.bodyOffset)), value);
  });

  it("13.9 compact CALL ping(\"hello\")", () => {
    const compactHex = "8221010470696e67180568656c6c6f00";
    const w = new ThriftWriter();
    writeMessageHeader(w, "compact", { name: "ping", type: ThriftMessageType.Call, seqId: 1 });
    w.bytes(tm("ping").encodeArgs("compact", { msg: "hello" }));
    assert.equal(hex(w.finish()), compactHex);
    const h = decodeMessageHeader(bytes(compactHex));
    assert.deepEqual(h, { protocol: "compact", name: "ping", type: 1, seqId: 1, bodyOffset: 8 });
    assert.deepEqual(tm("ping").decodeArgs("compact", bytes(compactHex), h.bodyOffset), { msg: "hello" });
  });

  it("13.11b bare struct payload and 13.11f EXCEPTION INTERNAL_ERROR \"boom\"", () => {
    assert.equal(hex(m("StreamEcho").input.encode({ msg: "hi" })), "0b000100000002686900");
    const exHex = "800100030000000a53747265616d4563686f000000010b000100000004626f6f6d0800020000000600";
    const c = applicationExceptionCodec("binary");
    assert.equal(hex(encodeMessage(c, { name: "StreamEcho", type: 3, seqId: 1 }, { message: "boom", type: 6 })), exHex);
  });
});
