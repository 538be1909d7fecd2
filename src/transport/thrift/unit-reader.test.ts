import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { thriftMethodOf } from "../../codec/thrift/index.js";
import { parseThrift } from "../../codec/thrift/service.js";
import { Code, RpcError } from "../../core/index.js";
import type { MethodDescriptor } from "../../rpc/index.js";
import { encodeTTHeader } from "../ttheader/header.js";
import { encodeAppException } from "./app-exception.js";
import { MessageType, writeMessageHeader, type ThriftProtocol } from "./message.js";
import { decodeTHeader, encodeTHeader } from "./theader.js";
import { UnitReader } from "./unit-reader.js";
import { openUnit } from "./wire.js";

const IDL = parseThrift("service S { void echo(1: set<string> tags) }", { fileName: "unit-reader.thrift" });
const echo = IDL.service<{ echo: MethodDescriptor<{ tags: Set<string> }, void, "unary"> }>("S").methods.echo;

/** A CALL `ping` whose args are `{1: string msg}`, in either protocol. */
function pingCall(protocol: ThriftProtocol, msg: string, seq = 7): Buffer {
  const head = writeMessageHeader(protocol, "ping", MessageType.Call, seq);
  const s = Buffer.from(msg);
  const body = protocol === "binary"
    ? Buffer.concat([Buffer.from([11, 0, 1]), u32(s.length), s, Buffer.from([0])])
    : Buffer.concat([Buffer.from([0x18]), varint(s.length), s, Buffer.from([0])]);
  return Buffer.concat([head, body]);
}
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
  out.push(n);
  return Buffer.from(out);
}

function units(): { name: string; bytes: Buffer; kind: string; protocol: ThriftProtocol }[] {
  const out = [];
  for (const p of ["binary", "compact"] as const) {
    const m = pingCall(p, "hello");
    out.push({ name: `framed ${p}`, bytes: Buffer.concat([u32(m.length), m]), kind: "framed", protocol: p });
    out.push({ name: `buffered ${p}`, bytes: m, kind: "buffered", protocol: p });
    out.push({ name: `theader ${p}`, bytes: encodeTHeader({ seqId: 7, protocolId: p === "binary" ? 0 : 2, headers: new Map([["k", "v"]]) }, m), kind: "theader", protocol: p });
    out.push({ name: `theader+zlib ${p}`, bytes: encodeTHeader({ seqId: 7, protocolId: p === "binary" ? 0 : 2, transforms: [1] }, m), kind: "theader", protocol: p });
  }
  const b = pingCall("binary", "hello");
  out.push({ name: "ttheader", bytes: encodeTTHeader({ seqId: 7, strInfo: new Map([["isn", "Echo"]]) }, b), kind: "ttheader", protocol: "binary" as const });
  out.push({ name: "ttheader framed", bytes: encodeTTHeader({ seqId: 7 }, [u32(b.length), b]), kind: "ttheader", protocol: "binary" as const });
  return out;
}

describe("UnitReader and openUnit", () => {
  for (const u of units()) {
    it(`cuts and opens ${u.name}, whole and one byte at a time`, () => {
      for (const step of [u.bytes.length * 3, 1]) {
        const r = new UnitReader(1 << 20);
        const stream = Buffer.concat([u.bytes, u.bytes, u.bytes]);
        const got = [];
        for (let i = 0; i < stream.length; i += step) {
          r.push(stream.subarray(i, i + step));
          for (let unit = r.next(); unit; unit = r.next()) got.push(unit);
        }
        assert.equal(got.length, 3);
        assert.equal(r.buffered, 0);
        for (const unit of got) {
          assert.equal(unit.kind, u.kind);
          const msg = openUnit(unit, 1 << 20);
          assert.deepEqual([msg.protocol, msg.header.name, msg.header.seqId, msg.header.type], [u.protocol, "ping", 7, MessageType.Call]);
        }
      }
    });
  }

  it("closes on a frame over the limit before reading it", () => {
    const r = new UnitReader(1024);
    r.push(Buffer.concat([u32(1025), Buffer.from([0x80, 1, 0, 1])]));
    assert.throws(() => r.next(), (e: RpcError) => e.code === Code.ResourceExhausted && /1025 bytes exceeds the limit of 1024/.test(e.message));
  });

  it("closes on an unframed message growing past the limit", () => {
    const r = new UnitReader(64);
    r.push(pingCall("binary", "x".repeat(100)).subarray(0, 80));
    assert.throws(() => r.next(), (e: RpcError) => e.code === Code.ResourceExhausted);
  });

  it("refuses a method name longer than 64 KiB before it arrives", () => {
    for (const head of [Buffer.from("80010001" + "00010000", "hex"), Buffer.from("8221" + "07" + "808004", "hex")]) {
      const r = new UnitReader(1 << 20);
      r.push(head);
      assert.throws(() => r.next(), (e: RpcError) => /method name of 65536 bytes/.test(e.message));
    }
  });

  it("rejects bytes that are no Thrift envelope", () => {
    const r = new UnitReader(1024);
    r.push(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
    assert.throws(() => r.next(), (e: RpcError) => e.code === Code.InvalidArgument && /unknown protocol/.test(e.message));
  });

  it("waits on a truncated frame", () => {
    const r = new UnitReader(1024);
    const m = pingCall("binary", "hello");
    r.push(Buffer.concat([u32(m.length), m]).subarray(0, 10));
    assert.equal(r.next(), undefined);
  });

  it("rejects TTHeader with a compact payload (kitex.md 13.9) and TTHeader Streaming", () => {
    const c = pingCall("compact", "hello");
    const bad = [
      encodeTTHeader({ seqId: 1, protocolId: 2 }, c),
      encodeTTHeader({ seqId: 1, protocolId: 3 }, c),
      encodeTTHeader({ seqId: 1, flags: 2, protocolId: 0x10 }, c),
    ];
    for (const bytes of bad) assert.throws(() => openUnit({ kind: "ttheader", bytes }, 1 << 20), RpcError);
  });

  it("rejects a THeader whose protocol id disagrees with its payload", () => {
    const bytes = encodeTHeader({ seqId: 1, protocolId: 0 }, pingCall("compact", "x"));
    assert.throws(() => openUnit({ kind: "theader", bytes }, 1 << 20), /protocol id says binary/);
  });

  it("bounds zlib inflation", () => {
    const bytes = encodeTHeader({ seqId: 1, protocolId: 0, transforms: [1] }, Buffer.alloc(100_000));
    assert.throws(() => decodeTHeader(bytes, 1000), (e: RpcError) => e.code === Code.ResourceExhausted);
  });

  it("cuts an unframed message of many small values that arrives in 512-byte chunks", () => {
    const head = writeMessageHeader("binary", "echo", MessageType.Call, 1);
    const tags = new Set(Array.from({ length: 50_000 }, (_, i) => `s${i}`));
    const message = Buffer.concat([head, thriftMethodOf(echo)!.encodeArgs("binary", { tags })]);
    const reader = new UnitReader(16 << 20);
    const units = [];
    for (const copy of [message, message]) {
      for (let i = 0; i < copy.length; i += 512) {
        reader.push(copy.subarray(i, i + 512));
        for (let u = reader.next(); u; u = reader.next()) units.push(u);
      }
    }
    reader.push(message.subarray(0, 100));
    assert.equal(reader.next(), undefined);
    assert.deepEqual(units.map((u) => [u.kind, Buffer.compare(Buffer.from(u.bytes), message)]), [["buffered", 0], ["buffered", 0]]);
    assert.equal(reader.buffered, 100);
  });

  it("encodes TApplicationException as Apache does", () => {
    assert.equal(encodeAppException("binary", { type: 1, message: "unknown method nope" }).toString("hex"),
      "0b000100000013756e6b6e6f776e206d6574686f64206e6f70650800020000000100");
    assert.equal(encodeAppException("compact", { type: 6, message: "x" }).toString("hex"), "180178150c00");
  });
});
