import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import type { UnaryMethod } from "../../idl/descriptor.js";
import { loadProto, loadProtoSync, parseProto } from "./service.js";

const testdata = fileURLToPath(new URL("../../../../src/codec/protobuf/testdata/", import.meta.url));

describe("loadProto", () => {
  it("resolves imports, packages, nested types, enums, oneofs, maps and well-known types", async () => {
    const pkg = await loadProto(`${testdata}chat.proto`);
    const svc = pkg.service("weir.test.chat.Chat");
    assert.equal(svc.name, "weir.test.chat.Chat");
    assert.deepEqual(Object.keys(svc.methods), ["Complete", "Stream", "Upload", "Talk"]);
    assert.deepEqual(Object.values(svc.methods).map((m) => m.kind), ["unary", "server", "client", "bidi"]);
    assert.equal(svc.methods.Complete!.path, "/weir.test.chat.Chat/Complete");
    assert.equal(svc.methods.Complete!.idempotent, true);
    assert.equal(svc.methods.Stream!.idempotent, false);

    const req = {
      messages: [{ role: 2, content: "hi ✓" }],
      options: { temperature: 0.5, max_tokens: { value: 7 } },
      params: { a: "1", b: "2" },
      seed: 42,
      sent_at: { seconds: 1700000000, nanos: 5 },
      blob: new Uint8Array([0, 255]),
    };
    const codec = svc.methods.Complete!.input;
    const back = codec.decode(codec.encode(req)) as any;
    assert.equal(back.messages[0].content, "hi ✓");
    assert.equal(back.messages[0].role, 2);
    assert.equal(back.options.max_tokens.value, 7);
    assert.deepEqual({ ...back.params }, { a: "1", b: "2" });
    assert.equal(Number(back.seed), 42);
    assert.equal(back.seed_or_none, "seed");
    assert.equal(Number(back.sent_at.seconds), 1700000000);
    assert.deepEqual(new Uint8Array(back.blob), new Uint8Array([0, 255]));
  });

  it("finds imports through include dirs", () => {
    const pkg = loadProtoSync("chat.proto", { includeDirs: [testdata] });
    assert.ok(pkg.message("weir.test.common.Message"));
    assert.equal(pkg.services().length, 1);
  });

  it("gives typed descriptors through a type parameter", () => {
    type Req = { content: string };
    const pkg = parseProto(`syntax = "proto3"; package p; message M { string content = 1; } service S { rpc Echo(M) returns (M); }`);
    const svc = pkg.service<{ Echo: UnaryMethod<Req, Req> }>("p.S");
    const bytes = svc.methods.Echo.input.encode({ content: "x" });
    assert.equal(svc.methods.Echo.output.decode(bytes).content, "x");
  });

  it("maps JSON both ways for generic calls", () => {
    const pkg = loadProtoSync(`${testdata}chat.proto`);
    const codec = pkg.message("weir.test.chat.ChatRequest");
    const value = codec.fromJson!({ messages: [{ role: "ROLE_USER", content: "x" }], seed: "9007199254740993" });
    const json = codec.toJson!(codec.decode(codec.encode(value))) as any;
    assert.equal(json.messages[0].role, "ROLE_USER");
    assert.equal(json.seed, "9007199254740993");
  });

  it("reports unknown names and broken input as RpcError", () => {
    const pkg = loadProtoSync(`${testdata}chat.proto`);
    assert.throws(() => pkg.service("nope.Service"), (e: unknown) => e instanceof RpcError && e.code === Code.NotFound);
    const codec = pkg.message("weir.test.chat.ChatRequest");
    assert.throws(() => codec.decode(new Uint8Array([0x0a, 0xff, 0xff])), (e: unknown) => e instanceof RpcError && e.code === Code.Internal);
    assert.throws(() => loadProtoSync(`${testdata}missing.proto`));
  });
});
