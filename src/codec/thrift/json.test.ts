import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { parseThrift } from "./service.js";

const pkg = parseThrift(`
  enum Color { RED = 1, BLUE = 3 }
  struct Inner { 1: i32 id }
  struct J {
    1: bool b, 2: i16 s, 3: i64 small, 4: i64 big, 5: double d, 6: double inf, 7: string str, 8: binary bin,
    9: list<Inner> items, 10: set<Color> colors, 11: map<i64, string> byId, 12: map<string, list<i32>> lists, 13: Color color,
  }
  struct Node { 1: list<Node> kids, 2: string name, 3: i32 n, 4: i8 tiny }
  service S { J get(1: J j), void nothing() }
`);
const codec = pkg.struct<any>("J");
const invalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.message);

describe("Thrift JSON mapping", () => {
  const value = {
    b: true, s: -3, small: 42n, big: 2n ** 60n, d: 0.5, inf: -Infinity, str: "é", bin: new Uint8Array([0, 1, 255]),
    items: [{ id: 1 }], colors: new Set([1, 3]), byId: new Map([[7n, "seven"]]), lists: new Map([["a", [1, 2]]]), color: 3,
  };

  it("maps values to JSON as Kitex's generic JSON does, with exact i64", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(codec.toJson!(value))), {
      b: true, s: -3, small: 42, big: "1152921504606846976", d: 0.5, inf: "-Infinity", str: "é", bin: "AAH/",
      items: [{ id: 1 }], colors: [1, 3], byId: { "7": "seven" }, lists: { a: [1, 2] }, color: 3,
    });
  });

  it("reads JSON back into codec values", () => {
    const json = JSON.parse(JSON.stringify(codec.toJson!(value)));
    assert.deepEqual(codec.fromJson!(json), value);
    assert.deepEqual(codec.fromJson!({ color: "BLUE", small: "5", s: "2", colors: ["RED"] }), { color: 3, small: 5n, s: 2, colors: new Set([1]) });
  });

  it("rejects JSON of the wrong shape with INVALID_ARGUMENT and the path", () => {
    assert.throws(() => codec.fromJson!({ items: [{ id: "x" }] }), invalid(/J\.items\[0\]\.id: expected an integer/));
    assert.throws(() => codec.fromJson!({ big: 1.5 }), invalid(/J\.big: expected an i64/));
    assert.throws(() => codec.fromJson!({ color: "GREEN" }), invalid(/expected a Color value/));
    assert.throws(() => codec.fromJson!([]), invalid(/expected a J object/));
  });

  it("maps a unary method's result value, and void as null", () => {
    const svc = pkg.service("S");
    assert.deepEqual(svc.methods["get"]!.output.toJson!({ small: 1n }), { small: 1 });
    assert.deepEqual(svc.methods["get"]!.input.fromJson!({ j: { small: 1 } }), { j: { small: 1n } });
    assert.equal(svc.methods["nothing"]!.output.toJson!(undefined), null);
  });

  it("refuses deeply nested or huge JSON with INVALID_ARGUMENT and a short message, never a stack overflow", () => {
    const node = pkg.struct<any>("Node");
    const short = (re: RegExp) => (e: unknown) => invalid(re)(e) && (e as RpcError).message.length < 400;
    let nested: unknown = {};
    for (let i = 0; i < 100_000; i++) nested = { kids: [nested] };
    assert.throws(() => node.fromJson!(nested), short(/nesting deeper than 64/));
    const deep = JSON.parse(`${"[".repeat(200_000)}${"]".repeat(200_000)}`) as unknown;
    assert.throws(() => node.fromJson!({ name: deep }), short(/Node\.name: expected a string, got an array$/));
    assert.throws(() => codec.fromJson!({ lists: { [`k${"x".repeat(100_000)}`]: deep } }), short(/expected an integer/));
  });

  it("refuses integers out of their type's range instead of wrapping them", () => {
    const node = pkg.struct<any>("Node");
    assert.throws(() => node.fromJson!({ n: 4294967299 }), invalid(/Node\.n: expected an integer \(i32\)/));
    assert.throws(() => node.fromJson!({ tiny: 128 }), invalid(/expected an integer \(i8\)/));
    assert.deepEqual(node.fromJson!({ n: -2147483648, tiny: -128 }), { n: -2147483648, tiny: -128 });
  });
});
