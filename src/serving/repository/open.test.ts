import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { isBatched } from "../batching/index.js";
import { ctxOf, errorOf, rowsOf } from "../batching/batcher.fixtures.js";
import { jsonModel, MAX_JSON_MODEL_BYTES } from "./json-model.js";
import { listModelFolders, MAX_FOLDER_ENTRIES } from "./folder.js";
import { registerModelLoader, type ModelLoader } from "./loader.js";
import type { Model } from "../model.js";
import { openModelRepository } from "./open.js";

const T = { timeout: 20_000 };
const tensorsFp32 = { input: [{ name: "x", data_type: "TYPE_FP32", dims: [2] }], output: [{ name: "y", data_type: "TYPE_FP32", dims: [2] }] };

/** Write `files` (path -> text or JSON) under `root`. */
async function write(root: string, files: Record<string, unknown>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), typeof content === "string" ? content : JSON.stringify(content));
  }
}

async function run(m: Model, x: number): Promise<number[]> {
  const out = await m.infer(rowsOf(1, x, 2, "x"), ctxOf());
  return [...(out[0]!.data as Float32Array)];
}

/**
 * A loader of its own kind of file (`*.factor`: a number as text), registered like the ONNX
 * loader is: a real loader of a second platform, to show the registry picks by platform and file.
 */
const factorLoader: ModelLoader = {
  platform: "weir_test_factor",
  canLoad: (file) => file.endsWith(".factor"),
  load: async (file, config) => jsonModel(config, { kind: "scale", factor: Number(await readFile(file, "utf8")) }),
};

describe("model repository from a folder", T, () => {
  let root: string;
  let unregister: () => void;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "weir-repo-"));
    unregister = registerModelLoader(factorLoader);
    await write(root, {
      "double/config.json": { platform: "weir_json", max_batch_size: 8, dynamic_batching: { max_queue_delay_microseconds: 100 }, ...tensorsFp32 },
      "double/1/model.json": { kind: "scale", factor: 2 },
      "versions/config.json": { ...tensorsFp32, version_policy: { latest: { num_versions: 2 } } },
      "versions/1/model.json": { kind: "scale", factor: 1 },
      "versions/2/model.json": { kind: "scale", factor: 20 },
      "versions/10/model.json": { kind: "scale", factor: 100 },
      "tenfold/config.json": { ...tensorsFp32, instance_group: [{ count: 2 }], max_batch_size: 4, dynamic_batching: {} },
      "tenfold/1/weights.factor": "10",
      "broken/config.json": { ...tensorsFp32, max_batch_size: "many" },
      "broken/1/model.json": { kind: "identity" },
      "empty/config.json": tensorsFp32,
      "mismatched/config.json": { ...tensorsFp32, output: [{ name: "y", data_type: "TYPE_INT32", dims: [2] }] },
      "mismatched/1/model.json": { kind: "identity" },
      "unclaimed/config.json": { ...tensorsFp32, platform: "tensorrt_plan" },
      "unclaimed/1/model.plan": "?",
      ".hidden/1/model.json": { kind: "identity" },
      "big/config.json": " ".repeat(70 * 1024) + "{}",
      "big/1/model.json": { kind: "identity" },
    });
  });
  after(async () => {
    unregister();
    await rm(root, { recursive: true, force: true });
  });

  it("loads every model folder; one that fails is UNAVAILABLE with its reason and the others serve", async () => {
    const repo = await openModelRepository({ path: root });
    const index = Object.fromEntries(repo.index().map((e) => [`${e.name}/${e.version}`, `${e.state} ${e.reason}`]));
    assert.deepEqual(Object.keys(index).sort(), ["big/", "broken/", "double/1", "empty/", "mismatched/", "tenfold/1", "unclaimed/", "versions/10", "versions/2"]);
    assert.match(index["broken/"]!, /^UNAVAILABLE config\.json of model broken: maxBatchSize must be an integer in 0\.\.1048576, got "many"$/);
    assert.match(index["empty/"]!, /^UNAVAILABLE model empty: no version folder to serve/);
    assert.match(index["mismatched/"]!, /^UNAVAILABLE model mismatched: output y must have the datatype and shape of input x$/);
    assert.match(index["unclaimed/"]!, /^UNAVAILABLE model unclaimed version 1: no file in .* that the loader of platform tensorrt_plan \(not registered\) can load$/);
    assert.match(index["big/"]!, /^UNAVAILABLE config\.json of model big: the file is 71682 bytes, over the limit of 65536 \(maxConfigBytes\)$/);
    assert.equal(index["double/1"], "READY ");
    assert.deepEqual(await run(repo.get("double"), 3), [6, 8]);
    assert.ok(isBatched(repo.get("double")), "dynamicBatching in config.json: served through the batcher");
    assert.deepEqual(await run(repo.get("versions"), 1), [100, 200], "the latest version by number: 10, not 2");
    assert.deepEqual(await run(repo.get("versions", "2"), 1), [20, 40]);
    assert.throws(() => repo.get("versions", "1"), (e: RpcError) => e.code === Code.NotFound, "versionPolicy latest 2 leaves version 1 out");
    assert.deepEqual(await run(repo.get("tenfold"), 1), [10, 20], "a registered loader claims its own file kind");
    assert.throws(() => repo.get("broken"), (e: RpcError) => e.code === Code.Unavailable && /maxBatchSize must be an integer/.test(e.message));
    assert.equal(repo.allReady(), false);
    await repo.close();
  });

  it("refuses names that could leave the folder, and forgets names it does not find", async () => {
    const repo = await openModelRepository({ path: root });
    for (const name of ["../double", "..", ".", ".hidden", "a/b", "a\\b", "/etc", ""]) {
      const e = await errorOf(repo.load(name));
      assert.ok(e.code === Code.NotFound || e.code === Code.InvalidArgument, name);
    }
    assert.equal((await errorOf(repo.load("nowhere"))).code, Code.NotFound);
    assert.equal(repo.index().some((e) => e.name === "nowhere" || e.name === ".hidden"), false);
    await repo.close();
  });

  it("loads a folder added after start; a reload reads the files again; unload closes the loaded model", async () => {
    const repo = await openModelRepository({ path: root });
    await write(root, { "late/config.json": tensorsFp32, "late/3/model.json": { kind: "scale", factor: 4 } });
    await repo.load("late");
    assert.deepEqual(await run(repo.get("late", "3"), 1), [4, 8]);
    await write(root, { "late/3/model.json": { kind: "scale", factor: 5 } });
    await repo.load("late");
    assert.deepEqual(await run(repo.get("late"), 1), [5, 10]);
    await repo.unload("late");
    assert.deepEqual(repo.index().find((e) => e.name === "late"), { name: "late", version: "3", state: "UNAVAILABLE", reason: "unloaded" });
    await write(root, { "late/config.json": "{" });
    await assert.rejects(repo.load("late"), /config\.json of model late: not JSON/);
    assert.match(repo.index().find((e) => e.name === "late")!.reason, /not JSON/);
    await repo.close();
  });

  it("bounds the model file a loader is given (maxModelFileBytes) and checks its options", async () => {
    const repo = await openModelRepository({ path: root, maxModelFileBytes: 10 });
    assert.match(repo.index().find((e) => e.name === "double")!.reason, /model\.json is 2\d bytes, over the limit of 10 \(maxModelFileBytes\)/);
    await repo.close();
    await assert.rejects(openModelRepository({ path: root, maxConfigBytes: -1 }), /maxConfigBytes must be a number of bytes > 0/);
    await assert.rejects(openModelRepository({ path: join(root, "no-such-folder") }), (e: RpcError) => e.code === Code.NotFound);
    await write(root, { "huge/config.json": tensorsFp32, "huge/1/model.json": `{"kind":"identity","pad":"${"x".repeat(MAX_JSON_MODEL_BYTES)}"}` });
    await assert.rejects(openModelRepository({ path: root }).then((r) => r.load("huge")), /model\.json of model huge is 655\d\d bytes, over 65536/);
  });

  it("reads at most MAX_FOLDER_ENTRIES entries of a folder", async () => {
    const wide = await mkdtemp(join(tmpdir(), "weir-repo-wide-"));
    try {
      for (let i = 0; i < MAX_FOLDER_ENTRIES + 10; i++) await mkdir(join(wide, `m${i}`));
      assert.equal((await listModelFolders(wide)).length, MAX_FOLDER_ENTRIES);
    } finally {
      await rm(wide, { recursive: true, force: true });
    }
  });
});
