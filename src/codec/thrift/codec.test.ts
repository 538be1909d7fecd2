import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Code, RpcError } from "../../core/index.js";
import { loadThriftIdl } from "../../idl/thrift/index.js";
import { createStructCodec, type ThriftProtocol } from "./struct-codec.js";
import { ThriftReader, ThriftWriter } from "./writer.js";

const idl = loadThriftIdl(fileURLToPath(new URL("../../../../src/codec/thrift/testdata/rich.thrift", import.meta.url)));
const codec = (name: string, protocol: ThriftProtocol, options = {}) => createStructCodec<any>(idl.struct(name), protocol, options);
const invalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.message);

const MAX64 = 2n ** 63n - 1n, MIN64 = -(2n ** 63n);

function fullValue() {
  return {
    b: true, i8v: -128, i16v: 32767, i32v: -2147483648, i64v: MIN64, d: -0, s: "héllo wörld ✓ 😀 汉字", bin: new Uint8Array([0, 255, 1]),
    li: [2147483647, -1, 0], ss: new Set(["", "a", "ü"]), m: new Map([["max", MAX64], ["neg", -1n], ["", 0n]]),
    inner: { id: 0, label: "" }, color: 3, deep: [[new Map([[1, new Set(["x"])], [-7, new Set<string>()]])], [], [new Map()]],
    choice: { n: 42n }, id: "00112233-4455-6677-8899-aabbccddeeff", structKeys: new Map([[{ id: 1, label: "k" }, [true, false, true]]]),
    bools: [false, true], doubles: [NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308], blobs: new Map([[1n << 40n, new Uint8Array(0)]]),
    far: "field 300", implicitId: -9,
  };
}

function suite(protocol: ThriftProtocol): void {
  describe(`${protocol} codec`, () => {
    it("round-trips every type with edge values", () => {
      const c = codec("All", protocol);
      const v = fullValue();
      assert.deepEqual(c.decode(c.encode(v)), v);
    });

    it("round-trips empty containers and an empty struct", () => {
      const c = codec("All", protocol);
      const v = { li: [], ss: new Set(), m: new Map(), deep: [], bools: [], bin: new Uint8Array(0), s: "" };
      assert.deepEqual(c.decode(c.encode(v)), v);
      assert.deepEqual([...c.encode({})], [0]);
      assert.deepEqual(c.decode(new Uint8Array([0])), {});
    });

    it("round-trips large and non-ASCII strings (growth and length prefixes)", () => {
      const c = codec("All", protocol);
      for (const s of ["a".repeat(100_000), "é".repeat(70_000), "😀".repeat(30_000), "x".repeat(42) + "é", "ab\u0000cd"]) {
        assert.equal(c.decode(c.encode({ s })).s, s);
      }
    });

    it("encodes unpaired surrogates as U+FFFD, like Buffer", () => {
      const c = codec("All", protocol);
      assert.equal(c.decode(c.encode({ s: "a\ud800b" })).s, "a\ufffdb");
    });

    it("applies IDL defaults on decode, as fresh copies", () => {
      const c = codec("Defaults", protocol);
      const empty = new Uint8Array([0]);
      const a = c.decode(empty);
      assert.deepEqual(a, {
        n: 7, l: ["a", "b"], m: new Map([["k", 1]]), big: 5n, inner: { id: 1, label: "dflt" }, colors: new Set([1]),
        raw: new Uint8Array([120, 121]), ratio: 0.25,
      });
      a.l.push("mutated");
      assert.deepEqual(c.decode(empty).l, ["a", "b"]);
      assert.equal(c.decode(c.encode({ n: 9 })).n, 9);
    });

    it("writes IDL defaults for fields left out, as Apache's generated code does", () => {
      const c = codec("Defaults", protocol);
      const plain = codec("All", protocol); // a struct without these fields only sees bytes
      assert.ok(c.encode({}).length > 1);
      assert.deepEqual(c.decode(c.encode({})), c.decode(new Uint8Array([0])));
      assert.ok(plain.encode({}).length === 1);
    });

    it("checks required fields on encode and decode, naming struct and field", () => {
      const req = codec("Req", protocol);
      assert.throws(() => req.encode({ age: 1 }), invalid(/required field Req\.name is missing/));
      assert.throws(() => req.decode(codec("Unordered", protocol).encode({})), invalid(/required field Req\.name is missing/));
      assert.deepEqual(req.decode(req.encode({ name: "n" })), { name: "n" });
    });

    it("requires exactly one field of a union on encode and decode", () => {
      const c = codec("All", protocol);
      assert.throws(() => c.encode({ choice: {} }), invalid(/union Choice must have exactly one field set, it has 0/));
      assert.throws(() => c.encode({ choice: { s: "a", n: 1n } }), invalid(/it has 2/));
      const choice = codec("Choice", protocol);
      assert.throws(() => choice.decode(new Uint8Array([0])), invalid(/it has 0/));
      assert.deepEqual(choice.decode(choice.encode({ inner: { id: 5 } })), { inner: { id: 5, label: "dflt" } });
    });

    it("skips unknown fields and fields of the wrong wire type", () => {
      const bytes = codec("All", protocol).encode(fullValue());
      assert.deepEqual(codec("Sub", protocol).decode(bytes), { s: fullValue().s });
      assert.deepEqual(codec("WrongType", protocol).decode(bytes), {});
    });

    it("decodes fields in any order and ids that need the long compact header", () => {
      const u = codec("Unordered", protocol);
      assert.deepEqual(u.decode(u.encode({ a: 1, b: 2, c: 3 })), { c: 3, a: 1, b: 2 });
      const all = codec("All", protocol);
      assert.deepEqual(all.decode(all.encode({ far: "x", b: false, implicitId: 1 })), { b: false, far: "x", implicitId: 1 });
    });

    it("decodes i64 as number or string when asked", () => {
      const num = codec("All", protocol, { i64: "number" });
      assert.deepEqual(num.decode(num.encode({ i64v: 2 ** 53 - 1, m: new Map([["a", -5]]) })), { i64v: 2 ** 53 - 1, m: new Map([["a", -5]]) });
      assert.throws(() => num.decode(num.encode({ i64v: MAX64 })), invalid(/not a safe JS number/));
      const str = codec("All", protocol, { i64: "string" });
      assert.deepEqual(str.decode(str.encode({ i64v: "-9223372036854775808" })), { i64v: "-9223372036854775808" });
      assert.equal(str.decode(str.encode({ i64v: 12n })).i64v, "12");
    });

    it("accepts plain objects for string-keyed maps and arrays for sets", () => {
      const c = codec("All", protocol);
      assert.deepEqual(c.decode(c.encode({ m: { a: 1n }, ss: ["x", "y"] })), { m: new Map([["a", 1n]]), ss: new Set(["x", "y"]) });
    });

    it("rejects values of the wrong type with INVALID_ARGUMENT naming the field", () => {
      const c = codec("All", protocol);
      const cases: Array<[object, RegExp]> = [
        [{ b: 1 }, /All\.b: expected a boolean/], [{ i8v: 128 }, /All\.i8v: expected an i8/], [{ i16v: 1.5 }, /All\.i16v/],
        [{ i32v: 2 ** 31 }, /All\.i32v: expected an i32/], [{ i64v: 1.5 }, /All\.i64v/], [{ i64v: MAX64 + 1n }, /does not fit in i64/],
        [{ d: "1" }, /All\.d: expected a number/], [{ s: 5 }, /All\.s: expected a string/], [{ bin: [1] }, /All\.bin: expected a Uint8Array/],
        [{ li: new Set() }, /All\.li: expected an array/], [{ li: [1, null] }, /All\.li\[\]/], [{ m: [] }, /All\.m: expected a Map/],
        [{ inner: 5 }, /All\.inner: expected a Inner object/], [{ id: "nope" }, /All\.id: expected a uuid/],
        [{ color: "RED" }, /All\.color: expected an Color value/], [{ structKeys: { a: [] } }, /All\.structKeys: expected a Map/],
      ];
      for (const [v, re] of cases) assert.throws(() => c.encode(v), invalid(re), `value ${JSON.stringify(v, (_, x) => typeof x === "bigint" ? String(x) : x)}`);
      assert.throws(() => c.encode(null as never), invalid(/All: expected an object/));
    });

    it("handles recursive structs and limits nesting depth on encode and decode", () => {
      const node = (depth: number): any => (depth === 0 ? { v: 0 } : { v: depth, next: node(depth - 1), kids: [{ v: -depth }] });
      const c = codec("Node", protocol);
      assert.deepEqual(c.decode(c.encode(node(30))), node(30));
      assert.throws(() => c.encode(node(70)), invalid(/nested deeper than 64/));
      const deepBytes = codec("Node", protocol, { maxDepth: 200 }).encode(node(70));
      assert.throws(() => c.decode(deepBytes), invalid(/nested deeper than 64/));
      const cyclic: any = { v: 1 };
      cyclic.next = cyclic;
      assert.throws(() => c.encode(cyclic), invalid(/nested deeper/));
    });

    it("writes into and reads from shared writers and readers", () => {
      const c = codec("Req", protocol);
      const w = new ThriftWriter(4);
      c.write(w, { name: "a" });
      c.write(w, { name: "b", age: 3 });
      const bytes = w.finish();
      const r = new ThriftReader(bytes);
      assert.deepEqual([c.read(r), c.read(r)], [{ name: "a" }, { name: "b", age: 3 }]);
      assert.equal(r.remaining, 0);
      assert.throws(() => c.decode(bytes), invalid(/unexpected bytes after the end of Req/));
    });

    it("returns a fresh buffer per encode and accepts any Uint8Array view on decode", () => {
      const c = codec("Req", protocol);
      const a = c.encode({ name: "a" }), b = c.encode({ name: "b" });
      assert.notDeepEqual([...a], [...b]);
      const padded = new Uint8Array(a.length + 4);
      padded.set(a, 2);
      assert.deepEqual(c.decode(padded.subarray(2, 2 + a.length)), { name: "a" });
    });
  });
}

suite("binary");
suite("compact");

describe("codec options", () => {
  it("rejects bad options", () => {
    assert.throws(() => codec("Req", "binary", { i64: "long" }), invalid(/i64 must be/));
    assert.throws(() => codec("Req", "binary", { maxDepth: 0 }), invalid(/maxDepth/));
  });
});
