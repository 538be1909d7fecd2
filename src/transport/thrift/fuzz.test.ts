import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StructWalk } from "../../codec/thrift/struct-walk.js";
import type { ThriftProtocol } from "../../codec/thrift/struct-codec.js";
import { RpcError } from "../../core/index.js";
import { decodeTTHeader, encodeTTHeader } from "../ttheader/header.js";
import { decodeAppException, encodeAppException } from "./app-exception.js";
import { MessageType, readMessageHeader, writeMessageHeader } from "./message.js";
import { decodeTHeader, encodeTHeader } from "./theader.js";
import { UNFRAMED_WALK_ERRORS, UnitReader } from "./unit-reader.js";
import { openUnit } from "./wire.js";

/** Where the struct at `off` ends, as the unframed transport walks it; -1 when the bytes end first. */
const measureStruct = (protocol: ThriftProtocol, b: Uint8Array, off: number, maxDepth = 64) =>
  new StructWalk(UNFRAMED_WALK_ERRORS, maxDepth).start(protocol, off).resume(b);

/** Deterministic xorshift32, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function seeds(): Buffer[] {
  const call = Buffer.concat([writeMessageHeader("binary", "ping", MessageType.Call, 1), Buffer.from("0b00010000000568656c6c6f00", "hex")]);
  const compact = Buffer.concat([writeMessageHeader("compact", "ping", MessageType.Call, 1), Buffer.from("180568656c6c6f00", "hex")]);
  const len = (b: Buffer) => { const h = Buffer.alloc(4); h.writeUInt32BE(b.length); return Buffer.concat([h, b]); };
  return [
    call, compact, len(call), len(compact),
    encodeTTHeader({ seqId: 1, intInfo: new Map([[9, "ping"], [12, "1000"]]), strInfo: new Map([["isn", "Echo"]]), aclToken: "t" }, call),
    encodeTHeader({ seqId: 1, protocolId: 2, headers: new Map([["a", "b"]]) }, compact),
    encodeTHeader({ seqId: 1, protocolId: 0, transforms: [1] }, call),
    Buffer.concat([writeMessageHeader("binary", "x", 3, 1), encodeAppException("binary", { type: 6, message: "boom" })]),
  ];
}

function mutate(b: Buffer, r: () => number): Buffer {
  const out = Buffer.from(b);
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const what = r();
    const at = Math.floor(r() * out.length);
    if (what < 0.6) out[at] = Math.floor(r() * 256);
    else if (what < 0.8) out[at] = [0x00, 0x7f, 0x80, 0xff][Math.floor(r() * 4)]!;
    else return out.subarray(0, at); // truncate
  }
  return out;
}

/** Every decoder either returns or throws an RpcError; anything else fails the test. */
function tryAll(input: Buffer): void {
  const attempts: (() => unknown)[] = [
    () => decodeTTHeader(input),
    () => decodeTHeader(input, 1 << 16),
    () => readMessageHeader(input, 0),
    () => measureStruct("binary", input, 0, 16),
    () => measureStruct("compact", input, 0, 16),
    () => decodeAppException("binary", input, 0),
    () => decodeAppException("compact", input, 0),
    () => {
      const r = new UnitReader(1 << 16, 16);
      r.push(input);
      for (let u = r.next(), i = 0; u && i < 100; u = r.next(), i++) openUnit(u, 1 << 16);
    },
  ];
  for (const f of attempts) {
    try {
      f();
    } catch (e) {
      if (!(e instanceof RpcError)) throw new Error(`non-RpcError ${String(e)} on input ${input.toString("hex")}`);
    }
  }
}

describe("frame decoder fuzz (bounded)", () => {
  it("mutated valid frames and random bytes never crash or hang a decoder", () => {
    const r = rng(0x5eed);
    const base = seeds();
    const deadline = Date.now() + 5000;
    let runs = 0;
    for (; runs < 4000 && Date.now() < deadline; runs++) {
      const input = runs % 4 === 3
        ? Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)))
        : mutate(base[runs % base.length]!, r);
      tryAll(input);
    }
    assert.ok(runs >= 1000, `only ${runs} runs in the time budget`);
  });

  it("a container claiming 2^31 elements is not walked or allocated", () => {
    const list = Buffer.from("0f00010c7fffffff", "hex"); // field 1: list<struct> of 2^31-1 elements, no bytes
    const start = Date.now();
    assert.equal(measureStruct("binary", list, 0), -1);
    assert.ok(Date.now() - start < 100);
    const compact = Buffer.from("19fc ffffffff07".replace(/ /g, ""), "hex"); // list<struct>, varint size 2^31-1
    assert.equal(measureStruct("compact", compact, 0), -1);
  });

  it("nesting past the depth limit throws", () => {
    const deep = Buffer.concat([Buffer.alloc(0), ...Array.from({ length: 100 }, () => Buffer.from("0c0001", "hex"))]);
    assert.throws(() => measureStruct("binary", Buffer.concat([deep, Buffer.alloc(101)]), 0, 64), /nesting deeper than 64/);
  });
});
