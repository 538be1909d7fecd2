import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { parseThriftIdl } from "./load.js";
import { parseThriftDocument } from "./parser.js";

/** Parse and expect an RpcError INVALID_ARGUMENT at `line:column`, with `text` in the message. */
function rejects(source: string, line: number, column: number, text: RegExp): void {
  assert.throws(() => parseThriftIdl(source, { fileName: "bad.thrift" }), (e: unknown) => {
    assert.ok(e instanceof RpcError);
    assert.equal(e.code, Code.InvalidArgument);
    assert.match(e.message, new RegExp(`bad\\.thrift:${line}:${column}: `));
    assert.match(e.message, text);
    assert.deepEqual(e.details[0], { file: e.rawMessage.split(":")[0], line, column });
    return true;
  });
}

describe("Thrift IDL parser", () => {
  it("reads headers, comments and every kind of definition", () => {
    const doc = parseThriftDocument(`
      # hash comment
      namespace go a.b.c   // line comment
      namespace * star
      /** doc comment */
      include "x.thrift"
      cpp_include "<map>"
      typedef i32 Int (t = "1")
      const Int ONE = 1;
      enum E { A, B = 5, C }
      senum S { "a", "b" }
      struct St { 1: Int x } (s = "y")
      union U { 1: string a; 2: i64 b }
      exception Ex { 1: string message }
      service Svc extends Other { void f() }
    `, "doc.thrift");
    assert.deepEqual(doc.namespaces, { go: "a.b.c", "*": "star" });
    assert.deepEqual(doc.includes.map((i) => i.path), ["x.thrift"]);
    assert.deepEqual(doc.definitions.map((d) => d.def), ["typedef", "const", "enum", "struct", "struct", "struct", "service"]);
    const en = doc.definitions[2]!.node as unknown as { values: { name: string; value: number }[] };
    assert.deepEqual(en.values.map((v) => [v.name, v.value]), [["A", 0], ["B", 5], ["C", 6]]);
  });

  it("reads fields: ids, requiredness, defaults, annotations and implicit ids", () => {
    const idl = parseThriftIdl(`struct S {
      1: required string a (x.y = "z", flag),
      2: optional i64 b = -0x10,
      3: double c = 1e3,
      string d = 'single "quoted"',
      5: list<map<string, set<i8>>> (cpp.template = "v") e,
    }`);
    const f = idl.struct("S").fields;
    assert.deepEqual(f.map((x) => [x.id, x.name, x.requiredness]), [
      [1, "a", "required"], [2, "b", "optional"], [3, "c", "default"], [-1, "d", "default"], [5, "e", "default"],
    ]);
    assert.deepEqual(f[0]!.annotations, { "x.y": "z", flag: "1" });
    assert.equal(f[1]!.default, -16n);
    assert.equal(f[2]!.default, 1000);
    assert.equal(f[3]!.default, 'single "quoted"');
    assert.equal(f[4]!.type.kind, "list");
    assert.deepEqual(f[4]!.type.annotations, { "cpp.template": "v" });
  });

  it("reads functions: oneway, void, throws, annotations and streaming.mode", () => {
    const idl = parseThriftIdl(`
      struct Req { 1: string m } struct Res { 1: string m } exception Oops { 1: string message }
      service S {
        oneway void fire(1: string m),
        Res call(1: Req r, 2: i32 n) throws (1: Oops oops) (api.get = "/x"),
        Res srv(1: Req r) (streaming.mode = "server"),
        Res cli(1: Req r) (streaming.mode = "client"),
        Res bidi(1: Req r) (streaming.mode = "bidirectional"),
        Res una(1: Req r) (streaming.mode = "unary"),
      } (svc = "1")`);
    const s = idl.service("S");
    assert.deepEqual(s.functions.map((f) => [f.name, f.oneway, f.streamingMode]), [
      ["fire", true, "none"], ["call", false, "none"], ["srv", false, "server"], ["cli", false, "client"],
      ["bidi", false, "bidirectional"], ["una", false, "unary"],
    ]);
    const call = s.functions[1]!;
    assert.deepEqual(call.annotations, { "api.get": "/x" });
    assert.deepEqual(call.argsStruct.fields.map((x) => [x.id, x.name]), [[1, "r"], [2, "n"]]);
    assert.deepEqual(call.resultStruct.fields.map((x) => [x.id, x.name]), [[0, "success"], [1, "oops"]]);
    assert.deepEqual(s.functions[0]!.resultStruct.fields, []);
    assert.deepEqual(s.annotations, { svc: "1" });
  });

  it("converts constants: lists, maps, sets, structs, enums, consts by name, bool and numbers", () => {
    const idl = parseThriftIdl(`
      enum Color { RED = 1, GREEN = 2 }
      struct P { 1: i32 x, 2: Color c, 3: binary b }
      const i32 N = 3
      const i64 BIG = N
      const double D = N
      const bool T = 1
      const bool F = false
      const set<string> SS = ["a", "b"]
      const map<Color, list<i16>> M = { Color.RED: [1, 2], 2: [] }
      const P POINT = { "x": N, "c": GREEN, "b": "hi" }
      const list<P> PS = [POINT, { "x": -1 }]
    `);
    const k = (n: string) => idl.constant(n).value;
    assert.equal(k("BIG"), 3n);
    assert.equal(k("D"), 3);
    assert.equal(k("T"), true);
    assert.equal(k("F"), false);
    assert.deepEqual(k("SS"), new Set(["a", "b"]));
    assert.deepEqual(k("M"), new Map([[1, [1, 2]], [2, []]]));
    assert.deepEqual(k("POINT"), { x: 3, c: 2, b: new Uint8Array([104, 105]) });
    assert.deepEqual(k("PS"), [{ x: 3, c: 2, b: new Uint8Array([104, 105]) }, { x: -1 }]);
  });

  it("resolves typedef chains and forward references, and recursive structs", () => {
    const idl = parseThriftIdl(`
      typedef B A
      typedef list<Node> B
      struct Node { 1: A children, 2: Node parent }
    `);
    const node = idl.struct("Node");
    const children = node.fields[0]!.type;
    assert.equal(children.kind, "list");
    assert.equal(children.kind === "list" && children.element.kind === "struct" && children.element.struct, node);
    assert.equal(node.fields[1]!.type.kind === "struct" && node.fields[1]!.type.struct, node);
  });

  it("reports syntax errors with file, line and column", () => {
    rejects("struct S {\n  1: string a\n  2 string b\n}", 3, 5, /expected ":"/);
    rejects("struct S {\n  1: string a", 2, 14, /unexpected end of file/);
    rejects("struct {", 1, 8, /expected a struct name/);
    rejects("service S {\n  void f(\n}", 3, 1, /expected a type/);
    rejects("const i32 X = \"a", 1, 15, /string literal is not closed/);
    rejects("/* open", 1, 1, /comment is not closed/);
    rejects("struct S { 1: string a @ }", 1, 24, /unexpected character "@"/);
    rejects("enum E { A = x }", 1, 14, /expected an integer/);
    rejects("blah", 1, 1, /expected a definition/);
  });

  it("reports semantic errors with positions", () => {
    rejects("struct S {\n  1: Missing m\n}", 2, 6, /unknown type "Missing"/);
    rejects("struct S { 1: i32 a, 1: i32 b }", 1, 22, /two fields with id 1/);
    rejects("struct S { 1: i32 a, 2: i32 a }", 1, 22, /two fields named a/);
    rejects("struct S { 0: i32 a }", 1, 12, /outside 1\.\.32767/);
    rejects("struct S {}\nenum S { A }", 2, 1, /already defined/);
    rejects("const i8 X = 300", 1, 14, /does not fit in i8/);
    rejects("const i32 X = Y", 1, 15, /unknown constant "Y"/);
    rejects("const string X = 1", 1, 18, /cannot be a value of type string/);
    rejects("typedef A A", 1, 1, /refers to itself/);
    rejects("union U { 1: required i32 a }", 1, 11, /cannot have required/);
    rejects("service A extends B {}", 1, 19, /unknown service "B"/);
    rejects("service A { void f() }\nservice B extends A { void f() }", 2, 23, /already defined in base service/);
    rejects("struct NotEx {}\nservice S { void f() throws (1: NotEx e) }", 2, 30, /not an exception type/);
    rejects("service S { oneway i32 f() }", 1, 13, /must return void/);
    rejects("struct S { 1: i32 __proto__ }", 1, 19, /cannot be named __proto__/);
  });

  it("checks streaming.mode like thriftgo", () => {
    rejects('struct R {}\nservice S { R f(1: R r) (streaming.mode = "sideways") }', 2, 26, /invalid value \(sideways\) for annotation streaming\.mode/);
    rejects('struct R {}\nservice S { R f(1: R a, 2: R b) (streaming.mode = "server") }', 2, 13, /exactly one argument, it takes 2/);
    rejects('struct R {}\nservice S { R f(1: R a) (streaming.mode = "server", streaming.mode = "client") }', 2, 53, /more than one streaming\.mode/);
  });
});
