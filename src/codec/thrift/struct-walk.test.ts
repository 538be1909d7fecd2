import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MethodDescriptor } from "../../idl/descriptor.js";
import { thriftMethodOf } from "./index.js";
import { parseThrift } from "./service.js";
import { Code, RpcError } from "../../core/index.js";
import { SKIP_ERRORS } from "./skip.js";
import { StructWalk } from "./struct-walk.js";
import type { ThriftProtocol } from "./struct-codec.js";

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

const invalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.message);
const measureStruct = (protocol: ThriftProtocol, b: Uint8Array, off: number) => new StructWalk(SKIP_ERRORS).start(protocol, off).resume(b);

function argsStruct(protocol: ThriftProtocol): Uint8Array {
  return thriftMethodOf(echo)!.encodeArgs(protocol, { value: VALUE });
}

describe("StructWalk: the end of a struct, resumed as bytes arrive", () => {
  for (const protocol of ["binary", "compact"] as const) {
    it(`${protocol}: finds the same end however the bytes are cut`, () => {
      const bytes = argsStruct(protocol);
      assert.equal(measureStruct(protocol, bytes, 0), bytes.length);
      for (const step of [1, 2, 3, 7, 64]) {
        const walk = new StructWalk(SKIP_ERRORS).start(protocol, 0);
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
    const walk = new StructWalk(SKIP_ERRORS).start("binary", 0);
    assert.equal(walk.resume(bytes.subarray(0, 20)), -1);
    assert.equal(walk.needed, 3 + 3 + 4 + 100_000, "field 1 (struct), field 4 (binary), length, bytes");
  });


  it("skip: over complete bytes ends where the resumed walk does, and every prefix is a fault", () => {
    const walk = new StructWalk(SKIP_ERRORS);
    for (const protocol of ["binary", "compact"] as const) {
      const bytes = Buffer.from(argsStruct(protocol));
      assert.equal(walk.skip(protocol, bytes, 0, bytes.length, 12, 0, 64), bytes.length);
      const padded = Buffer.concat([Buffer.alloc(3), bytes, Buffer.alloc(5)]);
      assert.equal(walk.skip(protocol, padded, 3, 3 + bytes.length, 12, 0, 64), 3 + bytes.length, "starts and stops where told");
      for (let end = 0; end < bytes.length; end++) {
        assert.throws(() => walk.skip(protocol, bytes, 0, end, 12, 0, 64), invalid(/truncated|elements\/bytes but only/), `${protocol}, ${end} bytes`);
      }
    }
  });

  it("skip: refuses sizes larger than the bytes left before walking them, and nesting past the limit", () => {
    const walk = new StructWalk(SKIP_ERRORS);
    const list = Buffer.from("0c7fffffff00", "hex"); // list<struct> of 2^31-1 elements, one byte left
    assert.throws(() => walk.skip("binary", list, 0, list.length, 15, 0, 64), invalid(/2147483647 elements\/bytes but only 1 bytes remain/));
    const deep = Buffer.concat([...Array.from({ length: 10 }, () => Buffer.from("0c0001", "hex")), Buffer.alloc(11)]);
    assert.equal(walk.skip("binary", deep, 0, deep.length, 12, 0, 64), deep.length);
    assert.throws(() => walk.skip("binary", deep, 0, deep.length, 12, 56, 64), invalid(/nested deeper than 64 levels/));
  });
});
