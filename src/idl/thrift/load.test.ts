import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Code, RpcError } from "../../core/index.js";
import { loadThriftIdl, parseThriftIdl } from "./load.js";

const testdata = fileURLToPath(new URL("../../../../src/idl/thrift/testdata/", import.meta.url));
const load = () => loadThriftIdl(path.join(testdata, "main.thrift"), { includeDirs: [path.join(testdata, "extra")] });

describe("loadThriftIdl", () => {
  it("follows includes beside the file, in sub-folders and in include dirs", () => {
    const idl = load();
    assert.deepEqual(idl.documents.map((d) => d.name), ["types", "base", "limits", "main"]);
    assert.equal(idl.root.name, "main");
    assert.deepEqual(idl.root.includes.map((d) => d.name), ["base", "limits", "types"]);
    assert.deepEqual(idl.root.namespaces, { go: "weir.test.chat", py: "chat" });
    assert.equal(idl.struct("types.Point").fullName, "types.Point");
  });

  it("resolves names across files: types, typedefs, enums, constants and defaults", () => {
    const idl = load();
    const req = idl.struct("Request");
    const byName = Object.fromEntries(req.fields.map((f) => [f.name, f]));
    assert.deepEqual(byName["messages"]!.default, []);
    assert.deepEqual(byName["params"]!.default, new Map([["temperature", "0.7"], ["top_p", "1"]]));
    assert.equal(byName["max_tokens"]!.default, 4096);
    assert.equal(byName["role"]!.default, 2);
    assert.equal(byName["id"]!.default, 42n);
    assert.equal(byName["stream"]!.default, true);
    assert.equal(byName["greeting"]!.default, "hello");
    assert.equal(byName["implicit_id"]!.id, -1);
    const role = byName["role"]!.type;
    assert.equal(role.kind === "enum" && role.enum.fullName, "base.Role");
    assert.deepEqual(role.kind === "enum" && role.enum.values.map((v) => [v.name, v.value, v.annotations]), [
      ["SYSTEM", 1, {}], ["USER", 2, {}], ["ASSISTANT", 10, { display: "bot" }],
    ]);
    assert.equal(byName["id"]!.type.kind, "i64"); // typedef i64 Id, from an included file
    assert.deepEqual(byName["content"] ?? null, null);
    assert.deepEqual(idl.constant("ALL_ROLES").value, [1, 2, 10]);
    assert.deepEqual(idl.constant("ORIGIN").value, { x: 0, y: 0 });
    assert.equal(idl.constant("BIG").value, 9223372036854775807n);
    assert.equal(idl.constant("HEX").value, 127);
    assert.deepEqual(idl.struct("Message").fields[1]!.annotations, { "api.body": "content" });
    assert.equal(idl.root.typedefs.get("Params")!.kind, "map");
  });

  it("flattens service inheritance across files", () => {
    const chat = load().service("Chat");
    assert.equal(chat.extends?.fullName, "base.Base");
    assert.deepEqual(chat.allFunctions.map((f) => f.name), ["version", "blob", "complete", "stream", "upload", "talk", "once", "notify", "ping"]);
    assert.deepEqual(chat.functions.map((f) => f.name), ["complete", "stream", "upload", "talk", "once", "notify", "ping"]);
    assert.deepEqual(chat.annotations, { "service.tag": "chat" });
    assert.deepEqual(chat.allFunctions[0]!.annotations, { idempotent: "true" });
    assert.equal(chat.document.name, "main");
    assert.equal(chat.extends?.document.namespaces["go"], "weir.test.base");
  });

  it("resolves includes from in-memory files", () => {
    const idl = parseThriftIdl('include "lib/shared.thrift"\nstruct S { 1: shared.T t }', {
      fileName: "/virtual/main.thrift",
      files: { "/virtual/lib/shared.thrift": "struct T { 1: i32 n }" },
    });
    const t = idl.struct("S").fields[0]!.type;
    assert.equal(t.kind === "struct" && t.struct.fullName, "shared.T");
  });

  it("reports a missing include, an include cycle and a missing file", () => {
    assert.throws(() => parseThriftIdl('\n  include "nope.thrift"', { fileName: "/v/a.thrift" }), /\/v\/a\.thrift:2:3: cannot find included file "nope\.thrift"/);
    assert.throws(
      () => parseThriftIdl('include "b.thrift"', { fileName: "/v/a.thrift", files: { "/v/b.thrift": 'include "a.thrift"', "/v/a.thrift": 'include "b.thrift"' } }),
      /include cycle/,
    );
    assert.throws(() => loadThriftIdl(path.join(testdata, "absent.thrift")), (e: unknown) => e instanceof RpcError && e.code === Code.NotFound);
  });

  it("reports unknown names on lookup with NOT_FOUND", () => {
    const idl = load();
    assert.throws(() => idl.service("Nope"), (e: unknown) => e instanceof RpcError && e.code === Code.NotFound);
    assert.throws(() => idl.struct("base.Nope"), /no struct named "base\.Nope"/);
  });
});
