import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadProtoSync } from "./service.js";

const file = path.join(mkdtempSync(path.join(tmpdir(), "weir-json-")), "all.proto");
writeFileSync(file, `
  syntax = "proto3";
  package j;
  import "google/protobuf/timestamp.proto";
  import "google/protobuf/duration.proto";
  import "google/protobuf/wrappers.proto";
  import "google/protobuf/struct.proto";
  import "google/protobuf/field_mask.proto";
  import "google/protobuf/empty.proto";
  import "google/protobuf/any.proto";
  enum Color { COLOR_UNSPECIFIED = 0; RED = 1; BLUE = 2; }
  message Inner { int32 id = 1; }
  message All {
    int32 small = 1; int64 big = 2; uint64 ubig = 3; float f = 4; double d = 5; bool flag = 6; string text = 7;
    bytes blob = 8; Color color = 9; repeated Inner items = 10; map<string, int64> counts = 11; map<int64, string> names = 12;
    optional uint32 max_tokens = 13; Inner inner = 14;
    oneof pick { string a = 15; int32 b = 16; }
    google.protobuf.Timestamp at = 20; google.protobuf.Duration took = 21; google.protobuf.UInt32Value limit = 22;
    google.protobuf.Struct meta = 23; google.protobuf.Value any_value = 24; google.protobuf.FieldMask mask = 25;
    google.protobuf.Empty nothing = 26; google.protobuf.Any packed = 27; google.protobuf.Int64Value wrapped_big = 28;
    string json_named = 29 [json_name = "renamed"];
  }
`);
const pkg = loadProtoSync(file);
const codec = pkg.message<any>("j.All");
const roundTrip = (json: unknown) => codec.toJson!(codec.decode(codec.encode(codec.fromJson!(json))));
const invalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.message);

describe("proto3 JSON mapping", () => {
  it("writes lowerCamelCase names, 64-bit integers as strings, enums by name, bytes as base64", () => {
    const json = {
      small: -5, big: "9007199254740993", ubig: "18446744073709551615", f: 0.1, d: 1e300, flag: true, text: "é", blob: "AAH/",
      color: "BLUE", items: [{ id: 1 }, {}], counts: { a: "7" }, names: { "-3": "minus three" }, maxTokens: 0, inner: {}, b: 4,
      renamed: "x",
    };
    assert.deepEqual(roundTrip(json), json);
  });

  it("leaves defaults out unless emitDefaults, and names fields as the IDL does with protoNames", () => {
    const msg = codec.decode(codec.encode(codec.fromJson!({ text: "", max_tokens: 0 })));
    assert.deepEqual(codec.toJson!(msg), { maxTokens: 0 });
    const all = codec.toJson!(msg, { emitDefaults: true, protoNames: true }) as Record<string, unknown>;
    assert.equal(all["small"], 0);
    assert.equal(all["big"], "0");
    assert.equal(all["color"], "COLOR_UNSPECIFIED");
    assert.deepEqual(all["items"], []);
    assert.equal(all["max_tokens"], 0);
    assert.equal("inner" in all, false, "unset messages stay out");
    assert.equal("a" in all, false, "unset oneof members stay out");
  });

  it("maps the well-known types to their special forms", () => {
    const json = {
      at: "2024-02-29T12:30:05.120Z", took: "-1.000000500s", limit: 7, meta: { a: [1, "two", null, { b: true }] },
      anyValue: "text", mask: "maxTokens,inner.id", nothing: {}, wrappedBig: "-12",
      packed: { "@type": "type.googleapis.com/j.Inner", id: 9 },
    };
    assert.deepEqual(roundTrip(json), json);
    assert.deepEqual(roundTrip({ packed: { "@type": "type.googleapis.com/google.protobuf.Duration", value: "3s" } }), {
      packed: { "@type": "type.googleapis.com/google.protobuf.Duration", value: "3s" },
    });
    assert.deepEqual(roundTrip({ at: "2024-01-01T01:00:00+01:00" }), { at: "2024-01-01T00:00:00Z" });
    assert.deepEqual(roundTrip({ anyValue: null }), { anyValue: null });
  });

  it("reads proto names, numbers as strings, enum numbers, URL-safe base64 and null as unset", () => {
    assert.deepEqual(roundTrip({ max_tokens: "12", small: "3", f: "NaN", d: "-Infinity", color: 1, blob: "AAH_", text: null, json_named: "y" }), {
      maxTokens: 12, small: 3, f: "NaN", d: "-Infinity", color: "RED", blob: "AAH/", renamed: "y",
    });
  });

  it("rejects unknown fields and values of the wrong type with the path", () => {
    assert.throws(() => codec.fromJson!({ nope: 1 }), invalid(/All has no field "nope"/));
    assert.throws(() => codec.fromJson!({ items: [{ id: 1.5 }] }), invalid(/items\[0\]\.id: expected an integer/));
    assert.throws(() => codec.fromJson!({ small: 2 ** 31 }), invalid(/int32 in range/));
    assert.throws(() => codec.fromJson!({ ubig: "-1" }), invalid(/uint64 in range/));
    assert.throws(() => codec.fromJson!({ color: "GREEN" }), invalid(/Color name/));
    assert.throws(() => codec.fromJson!({ a: "x", b: 1 }), invalid(/oneof pick already has a/));
    assert.throws(() => codec.fromJson!({ at: "yesterday" }), invalid(/RFC 3339/));
    assert.throws(() => codec.fromJson!({ took: "5m" }), invalid(/duration/));
    assert.throws(() => codec.fromJson!({ flag: 1 }), invalid(/true or false/));
    assert.throws(() => codec.fromJson!([]), invalid(/expected a All object/));
    assert.throws(() => codec.fromJson!({ packed: { "@type": "x/nope.Missing" } }), invalid(/not in the loaded/));
  });

  it("refuses deeply nested or huge JSON with INVALID_ARGUMENT and a short message, never a stack overflow", () => {
    const deep = JSON.parse(`${"[".repeat(200_000)}${"]".repeat(200_000)}`) as unknown;
    const short = (re: RegExp) => (e: unknown) => invalid(re)(e) && (e as RpcError).message.length < 400;
    assert.throws(() => codec.fromJson!({ text: deep }), short(/text: expected a string, got an array$/));
    assert.throws(() => codec.fromJson!({ any_value: deep }), short(/nesting deeper than 100/));
    assert.throws(() => codec.fromJson!({ meta: { [`k${"x".repeat(100_000)}`]: { a: deep } } }), short(/nesting deeper than 100/));
    assert.throws(() => codec.fromJson!({ text: ["y".repeat(1 << 20)] }), short(/got an array/));
    assert.throws(() => codec.fromJson!({ flag: "y".repeat(1 << 20) }), short(/got the string "y{40}…"/));
  });
});
