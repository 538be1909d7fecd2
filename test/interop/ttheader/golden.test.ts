import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../../src/core/index.js";
import { decodeTTHeader, encodeTTHeader, type TTHeaderFrame } from "../../../src/transport/ttheader/header.js";
import { IntKey, StrKey, TTHeaderProtocol } from "../../../src/transport/ttheader/keys.js";
import { decodeAppException } from "../../../src/transport/thrift/app-exception.js";
import { MessageType, readMessageHeader, writeMessageHeader } from "../../../src/transport/thrift/message.js";
import { GOLDEN_FRAMES, GOLDEN_STREAM_FRAMES, MESSAGE_BEGIN, NOT_TTHEADER, OVER_PADDED, ZERO_HEADER_SIZE } from "./golden-frames.js";

const bytes = (hex: string) => Buffer.from(hex, "hex");
const reencode = (f: TTHeaderFrame) =>
  encodeTTHeader({ flags: f.flags, seqId: f.seqId, protocolId: f.protocolId, intInfo: f.intInfo, strInfo: f.strInfo, aclToken: f.aclToken }, f.payload);

/** The same frame with every KV block in reverse order: Kitex's order is not fixed. */
function reversed(f: TTHeaderFrame): Buffer {
  return encodeTTHeader({
    flags: f.flags, seqId: f.seqId, protocolId: f.protocolId, aclToken: f.aclToken,
    intInfo: new Map([...f.intInfo].reverse()), strInfo: new Map([...f.strInfo].reverse()),
  }, f.payload);
}

describe("TTHeader golden frames (kitex.md section 13)", () => {
  for (const g of [...GOLDEN_FRAMES, ...GOLDEN_STREAM_FRAMES]) {
    it(`${g.id} ${g.title}: decodes and re-encodes byte for byte`, () => {
      const frame = decodeTTHeader(bytes(g.hex));
      assert.equal(reencode(frame).toString("hex"), g.hex);
      const shuffled = decodeTTHeader(reversed(frame));
      assert.deepEqual(new Map([...shuffled.intInfo].sort()), new Map([...frame.intInfo].sort()));
      assert.deepEqual(new Map([...shuffled.strInfo].sort()), new Map([...frame.strInfo].sort()));
      assert.equal(reversed(frame).length, g.hex.length / 2);
    });
  }

  it("13.1 carries ToMethod, RPCTimeout, isn and a CALL ping(\"hello\")", () => {
    const f = decodeTTHeader(bytes(GOLDEN_FRAMES[0]!.hex));
    assert.equal(f.seqId, 1);
    assert.equal(f.protocolId, TTHeaderProtocol.ThriftBinary);
    assert.equal(f.intInfo.get(IntKey.ToMethod), "ping");
    assert.equal(f.intInfo.get(IntKey.RpcTimeout), "1000");
    assert.equal(f.strInfo.get(StrKey.IdlServiceName), "Echo");
    const h = readMessageHeader(f.payload)!;
    assert.deepEqual([h.name, h.type, h.seqId, h.protocol], ["ping", MessageType.Call, 1, "binary"]);
    assert.equal(Buffer.from(f.payload.subarray(h.bodyOffset)).toString("hex"), "0b00010000000568656c6c6f00");
  });

  it("13.2 keeps the empty FromMethod value", () => {
    const f = decodeTTHeader(bytes(GOLDEN_FRAMES[1]!.hex));
    assert.equal(f.intInfo.get(IntKey.FromMethod), "");
    assert.equal(f.intInfo.get(IntKey.TransportType), "unframed");
    assert.equal(f.intInfo.size, 7);
  });

  it("13.6 wraps a framed payload", () => {
    const f = decodeTTHeader(bytes(GOLDEN_FRAMES[5]!.hex));
    assert.equal(f.intInfo.get(IntKey.TransportType), "framed");
    assert.equal(Buffer.from(f.payload).readUInt32BE(0), f.payload.length - 4);
    assert.equal(readMessageHeader(f.payload, 4)!.name, "ping");
  });

  it("13.7 carries the business status keys", () => {
    const f = decodeTTHeader(bytes(GOLDEN_FRAMES[6]!.hex));
    assert.deepEqual(Object.fromEntries(f.strInfo), { "biz-status": "1001", "biz-message": "bad input", "biz-extra": "{\"k\":\"v\"}" });
    assert.equal(f.intInfo.get(IntKey.MsgType), "2");
  });

  it("13.8 carries a TApplicationException UNKNOWN_METHOD", () => {
    const f = decodeTTHeader(bytes(GOLDEN_FRAMES[7]!.hex));
    const h = readMessageHeader(f.payload)!;
    assert.equal(h.type, MessageType.Exception);
    assert.deepEqual(decodeAppException("binary", f.payload, h.bodyOffset), { message: "unknown method nope", type: 1 });
  });

  it("13.9 declares protocol 2 (compact), which the server rejects", () => {
    const f = decodeTTHeader(bytes(GOLDEN_FRAMES[8]!.hex));
    assert.equal(f.protocolId, TTHeaderProtocol.ThriftCompact);
    assert.equal(readMessageHeader(f.payload)!.protocol, "compact");
  });

  it("13.10a accepts an over-padded header", () => {
    const f = decodeTTHeader(bytes(OVER_PADDED));
    assert.deepEqual([f.seqId, f.headerLength, f.payload.length], [1, 78, 0]);
  });

  it("13.10b and c are rejected", () => {
    assert.throws(() => decodeTTHeader(bytes(ZERO_HEADER_SIZE)), (e: RpcError) => e.code === Code.Internal && /invalid header length\[0\]/.test(e.message));
    assert.throws(() => decodeTTHeader(bytes(NOT_TTHEADER)), /not TTHeader protocol/);
  });

  it("13.10d writes the message header byte for byte", () => {
    assert.equal(writeMessageHeader("binary", "messageBegin", MessageType.Call, 1).toString("hex"), MESSAGE_BEGIN);
    for (const t of [2, 3, 4]) {
      assert.equal(writeMessageHeader("binary", "messageBegin", t, 1).toString("hex"), MESSAGE_BEGIN.replace(/^80010001/, `8001000${t}`));
    }
  });
});
