// Every name a package entry exports is documented (TSDoc on its declaration, or a docs/ page that
// shows it in code), none is @internal, the runtime exports match the declarations, and docs/api.md
// lists exactly the names of each entry.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { API_PAGE, apiPage, publicSurface, root } from "./surface.js";

const entries = publicSurface();

describe("public surface", () => {
  it("has every entry of package.json exports", () => {
    assert.deepEqual(entries.map((e) => e.specifier), ["weir", "weir/grpc", "weir/protobuf", "weir/thrift", "weir/http", "weir/serving", "weir/gateway", "weir/governance"]);
  });

  it("documents every exported name with TSDoc or a docs/ page", () => {
    const bare = entries.flatMap((e) => e.names.filter((n) => n.summary === "" && n.pages.length === 0).map((n) => `${e.specifier}: ${n.name}`));
    assert.deepEqual(bare, [], "add TSDoc to the declaration, or show the name in code on its docs/ page");
  });

  it("exports nothing marked @internal", () => {
    assert.deepEqual(entries.flatMap((e) => e.names.filter((n) => n.internal).map((n) => `${e.specifier}: ${n.name}`)), []);
  });

  it("exports at run time exactly the values its declarations name", async () => {
    for (const e of entries) {
      const runtime = Object.keys(await import(e.runtime)).sort();
      const declared = e.names.filter((n) => !["type", "interface"].includes(n.kind)).map((n) => n.name).sort();
      assert.deepEqual(runtime, declared, e.specifier);
    }
  });

  it("keeps the root entry to what a service author needs", () => {
    const names = new Set(entries[0]!.names.map((n) => n.name));
    for (const needed of ["createServer", "createClient", "createGrpcTransport", "loadProtoSync", "RpcError", "Code", "Metadata", "ServiceImpl", "Middleware", "ServerCallContext"]) {
      assert.ok(names.has(needed), `weir exports ${needed}`);
    }
    for (const internal of ["ServerContext", "ClientContext", "createCallScope", "unwrapOutgoing", "codeFromWire", "typeName"]) {
      assert.ok(!names.has(internal), `weir does not export ${internal}`);
    }
  });

  it("is listed as it is in docs/api.md (regenerate with `npm run api`)", () => {
    assert.equal(readFileSync(path.join(root, API_PAGE), "utf8"), apiPage(entries));
  });
});
