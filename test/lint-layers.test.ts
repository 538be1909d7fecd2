// The layer lint (scripts/lint-layers.mjs) on fixture trees: each rule it must enforce is broken
// once in a tree of its own, and a tree that keeps every rule passes.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../scripts/lint-layers.mjs", import.meta.url));
const { lintTree } = (await import(pathToFileURL(SCRIPT).href)) as { lintTree(src: string): string[] };

/** A tree that keeps every rule; each case adds or changes files of it. */
const CLEAN: Record<string, string> = {
  "index.ts": `export * from "./core/index.js";\nexport * from "./transport/thrift/index.js";`,
  "core/index.ts": `export const code = 1;`,
  "codec/protobuf/codec.ts": `import { code } from "../../core/index.js";\nexport const codec = code;`,
  "transport/shared.ts": `export const shared = 1;`,
  "transport/ttheader/header.ts": `import { shared } from "../shared.js";\nexport const header = shared;`,
  "transport/thrift/client.ts": `import { header } from "../ttheader/header.js";\nimport type { codec } from "../../codec/protobuf/codec.js";\nexport const client = header;`,
  "transport/thrift/index.ts": `export { client } from "./client.js";`,
  "transport/grpc/server.ts": `import { shared } from "../shared.js";\nexport const server = shared;`,
  "transport/grpc/server.test.ts": `import { client } from "../thrift/client.js";\nimport "../../index.js";`,
  "governance/retry/retry.ts": `import { code } from "../../core/index.js";\nexport const retry = code;`,
  "governance/load-balance/balancer.ts": `import type { retry } from "../retry/retry.js";\nexport const balancer = 1;`,
};

const roots: string[] = [];
after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

function lint(changes: Record<string, string>): string[] {
  const root = mkdtempSync(path.join(tmpdir(), "weir-lint-layers-"));
  roots.push(root);
  for (const [file, text] of Object.entries({ ...CLEAN, ...changes })) {
    mkdirSync(path.dirname(path.join(root, "src", file)), { recursive: true });
    writeFileSync(path.join(root, "src", file), text + "\n");
  }
  return lintTree(path.join(root, "src"));
}

describe("lint-layers", () => {
  it("passes a tree that keeps every rule (tests may reach across subfolders and import the entries)", () => {
    assert.deepEqual(lint({}), []);
  });

  it("rejects a lower layer importing a higher one", () => {
    const problems = lint({ "codec/protobuf/codec.ts": `import { server } from "../../transport/grpc/server.js";\nexport const codec = server;` });
    assert.deepEqual(problems, [
      "src/codec/protobuf/codec.ts imports src/transport/grpc/server.ts: layer codec/ may not import transport/ (allowed: core, idl)",
      "import cycle between folders: src/codec/ → src/transport/ → src/codec/", // transport/thrift imports codec/protobuf
    ]);
  });

  it("rejects a subfolder importing a sibling against its direction (ttheader -> thrift)", () => {
    const problems = lint({ "transport/ttheader/client.ts": `import { client } from "../thrift/client.js";\nexport const tt = client;` });
    assert.equal(problems[0], "src/transport/ttheader/client.ts imports src/transport/thrift/client.ts: transport/ttheader/ may not import transport/thrift/ (allowed: only transport/'s root files)");
  });

  it("rejects gRPC importing Thrift (a sideways import), and a subfolder with no rule", () => {
    const problems = lint({
      "transport/grpc/compat.ts": `import { client } from "../thrift/client.js";\nexport const compat = client;`,
      "transport/mqtt/client.ts": `export const mqtt = 1;`,
      "transport/grpc/mqtt.ts": `import { mqtt } from "../mqtt/client.js";\nexport const m = mqtt;`,
    });
    assert.ok(problems.includes("src/transport/grpc/compat.ts imports src/transport/thrift/client.ts: transport/grpc/ may not import transport/thrift/ (allowed: only transport/'s root files)"), problems.join("\n"));
    assert.ok(problems.some((p) => p.includes("folder transport/mqtt has no subfolder rule")), problems.join("\n"));
  });

  it("rejects a layer's shared root file importing one of its subfolders", () => {
    const problems = lint({ "transport/shared.ts": `import { server } from "./grpc/server.js";\nexport const shared = 1;` });
    assert.ok(problems.includes("src/transport/shared.ts imports src/transport/grpc/server.ts: transport/'s root files are shared by its subfolders and may not import transport/grpc/"), problems.join("\n"));
  });

  it("rejects a layer importing the package entry, and the entry importing cli/", () => {
    const problems = lint({
      "core/index.ts": `import "../index.js";\nexport const code = 1;`,
      "thrift.ts": `export * from "./cli/main.js";`,
      "cli/main.ts": `export const main = 1;`,
    });
    assert.ok(problems.includes("src/core/index.ts imports src/index.ts: layer core/ may not import the package entry src/index.ts"), problems.join("\n"));
    assert.ok(problems.includes("src/thrift.ts imports src/cli/main.ts: the package entries at src/'s root may not import cli/"), problems.join("\n"));
  });

  it("rejects an import cycle between files and names its path, type-only imports included", () => {
    const problems = lint({
      "codec/protobuf/json.ts": `import { wkt } from "./json-wkt.js";\nexport const json = 1;`,
      "codec/protobuf/json-wkt.ts": `import type { json } from "./json.js";\nexport const wkt = 1;`,
    });
    assert.deepEqual(problems, ["import cycle between files: src/codec/protobuf/json-wkt.ts → src/codec/protobuf/json.ts → src/codec/protobuf/json-wkt.ts"]);
  });

  it("rejects an import cycle between sibling folders (with none between files) and names its path", () => {
    const problems = lint({
      "governance/load-balance/endpoint.ts": `export const endpoint = 1;`,
      "governance/retry/retry.ts": `import { endpoint } from "../load-balance/endpoint.js";\nexport const retry = endpoint;`,
    });
    assert.deepEqual(problems, ["import cycle between folders: src/governance/load-balance/ → src/governance/retry/ → src/governance/load-balance/"]);
  });
});
