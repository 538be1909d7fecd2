import assert from "node:assert/strict";
import { test } from "node:test";
import protobuf from "protobufjs";
import { protobufCodec } from "./codec.js";
import { directEncoder } from "./direct-encode.js";

const root = protobuf.parse(`
syntax = "proto3";
package t;
message Flat {
  uint32 u = 1; int32 i = 2; sint32 s = 3; bool b = 4; fixed32 f = 5; sfixed32 sf = 6;
  float fl = 7; double d = 8; string str = 9; bytes by = 20; optional uint32 ou = 300;
}
message Nested { Flat inner = 1; }
message Listy { repeated uint32 xs = 1; }
message Big { int64 n = 1; }
`).root;
const Flat = root.lookupType("t.Flat");

/** Encode through encodeInto with a fresh target, as a transport does. */
function viaTarget(type: protobuf.Type, value: Record<string, unknown>): Buffer {
  const codec = protobufCodec(type);
  const target = {
    buffer: Buffer.alloc(0),
    offset: 0,
    reserve(size: number) {
      this.buffer = Buffer.alloc(size + 3, 0xee);
      this.offset = 3;
    },
  };
  codec.encodeInto!(value, target);
  return target.buffer.subarray(3);
}

const SAMPLES: Record<string, unknown>[] = [
  {},
  { u: 0, i: 0, s: 0, b: false, f: 0, sf: 0, fl: 0, d: 0, str: "", by: new Uint8Array(0) },
  { u: 1, i: 1, s: 1, b: true, f: 1, sf: 1, fl: 1.5, d: 2.25, str: "a", by: Buffer.from([1, 2, 3]) },
  { u: 0xffffffff, i: -1, s: -1, f: 0xffffffff, sf: -2, fl: -3.5, d: -1e300, str: "héllo ☃ 😀", ou: 7 },
  { i: -0x80000000, s: -0x80000000, u: 300, str: "x".repeat(200), by: Buffer.alloc(20000, 9) },
  { i: 0x7fffffff, s: 0x7fffffff, u: 16384, ou: 0 },
  { u: null, str: undefined, by: Buffer.from("zz") },
];

test("the direct path writes what protobufjs writes", () => {
  assert.ok(directEncoder(Flat) !== undefined);
  for (const m of SAMPLES) {
    assert.deepEqual(viaTarget(Flat, m), Buffer.from(Flat.encode(m).finish()), JSON.stringify(m));
  }
});

test("values of another shape fall back to protobufjs", () => {
  for (const m of [{ u: "12" }, { i: 1.5 }, { u: -1 }, { b: 1 }, { by: "AQID" }, { u: 2 ** 40 }]) {
    assert.deepEqual(viaTarget(Flat, m), Buffer.from(Flat.encode(m as never).finish()), JSON.stringify(m));
  }
});

test("inherited properties are not fields", () => {
  const m = Object.create({ u: 5 }) as Record<string, unknown>;
  m.i = 3;
  assert.deepEqual(viaTarget(Flat, m), Buffer.from(Flat.encode(m).finish()));
});

test("messages with nested, repeated or 64-bit fields use protobufjs", () => {
  for (const name of ["t.Nested", "t.Listy", "t.Big"]) assert.equal(directEncoder(root.lookupType(name)), undefined, name);
  const Nested = root.lookupType("t.Nested");
  const m = { inner: { u: 3, str: "q" } };
  assert.deepEqual(viaTarget(Nested, m), Buffer.from(Nested.encode(m).finish()));
});
