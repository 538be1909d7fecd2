import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseThrift } from "../../codec/thrift/service.js";
import type { MethodDescriptor } from "../../rpc/index.js";
import { thriftMethodOf } from "../../codec/thrift/index.js";
import { measureStruct, StructWalk } from "./measure.js";
import { MessageType, writeMessageHeader, type ThriftProtocol } from "./message.js";
import { UnitReader } from "./unit-reader.js";

const IDL = parseThrift(`
struct Inner { 1: required i32 id, 2: string label, 3: list<bool> flags }
struct All {
  1: i64 big, 2: double ratio, 3: string text, 4: binary blob, 5: list<i32> numbers,
  6: map<string, i64> counts, 7: set<string> tags, 8: Inner inner, 9: bool flag, 10: i8 tiny,
  11: i16 small, 12: list<Inner> inners, 13: map<i32, list<string>> nested, 14: list<list<Inner>> deep,
  15: map<string, Inner> byName, 16: list<string> empty, 17: map<i32, i32> fixedMap,
}
service S { All echo(1: All value) }
`, { fileName: "measure.thrift" });
const echo = IDL.service<{ echo: MethodDescriptor<{ value: unknown }, unknown, "unary"> }>("S").methods.echo;

const inner = (id: number) => ({ id, label: "l".repeat(id % 5), flags: [true, false, id % 2 === 0] });
const VALUE = {
  big: -(2n ** 63n), ratio: 1.5, text: "h\u00e9llo", blob: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
  numbers: Array.from({ length: 40 }, (_, i) => i * 1000 - 7), counts: new Map([["a", 1n], ["bb", -2n]]),
  tags: new Set(["x", "y"]), inner: inner(3), flag: true, tiny: -3, small: 300,
  inners: Array.from({ length: 20 }, (_, i) => inner(i)), nested: new Map([[1, ["p", "q"]], [-2, []]]),
  deep: [[inner(1), inner(2)], [], [inner(4)]], byName: new Map([["k", inner(9)]]), empty: [],
  fixedMap: new Map([[1, 2], [3, 4]]),
};

function argsStruct(protocol: ThriftProtocol): Uint8Array {
  return thriftMethodOf(echo)!.encodeArgs(protocol, { value: VALUE });
}

describe("StructWalk: the end of a struct, resumed as bytes arrive", () => {
  for (const protocol of ["binary", "compact"] as const) {
    it(`${protocol}: finds the same end however the bytes are cut`, () => {
      const bytes = argsStruct(protocol);
      assert.equal(measureStruct(protocol, bytes, 0), bytes.length);
      for (const step of [1, 2, 3, 7, 64]) {
        const walk = new StructWalk().start(protocol, 0);
        let end = -1;
        for (let have = step; end < 0; have += step) {
          end = walk.resume(bytes.subarray(0, Math.min(have, bytes.length)));
          if (end < 0) assert.ok(walk.needed > Math.min(have, bytes.length) - 1 && walk.needed <= bytes.length, `needed ${walk.needed} at ${have}`);
        }
        assert.equal(end, bytes.length, `step ${step}`);
      }
    });
  }

  it("asks for the whole of a string or a fixed-size container at once", () => {
    const blob = Buffer.alloc(100_000);
    const bytes = thriftMethodOf(echo)!.encodeArgs("binary", { value: { blob, numbers: Array(10_000).fill(1) } });
    const walk = new StructWalk().start("binary", 0);
    assert.equal(walk.resume(bytes.subarray(0, 20)), -1);
    assert.equal(walk.needed, 3 + 3 + 4 + 100_000, "field 1 (struct), field 4 (binary), length, bytes");
  });

  it("cuts an unframed message of many small values that arrives in 512-byte chunks", () => {
    const head = writeMessageHeader("binary", "echo", MessageType.Call, 1);
    const tags = new Set(Array.from({ length: 50_000 }, (_, i) => `s${i}`));
    const message = Buffer.concat([head, thriftMethodOf(echo)!.encodeArgs("binary", { value: { tags } })]);
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
});
