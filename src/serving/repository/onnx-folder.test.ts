// A repository folder of ONNX files loads with the default loaders: ONNX Runtime is found by the
// file's kind, with nothing registered by hand, and the model batches as its config says.
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { assertClose, inferContext, modelPath, readReference } from "../../../test/models/models.js";
import { isBatched } from "../batching/index.js";
import { openModelRepository } from "./open.js";

describe("a repository folder of ONNX models", { timeout: 60_000 }, () => {
  const roots: string[] = [];
  after(async () => { for (const r of roots) await rm(r, { recursive: true, force: true }); });

  it("loads model.onnx with the default loaders, metadata from the file, batching from config.json", async () => {
    const root = await mkdtemp(join(tmpdir(), "weir-onnx-repo-"));
    roots.push(root);
    await mkdir(join(root, "mlp", "1"), { recursive: true });
    await copyFile(modelPath("mlp"), join(root, "mlp", "1", "model.onnx"));
    await writeFile(join(root, "mlp", "config.json"), JSON.stringify({ maxBatchSize: 32, dynamicBatching: { maxQueueDelayMicroseconds: 100 } }));
    const repository = await openModelRepository({ path: root });
    try {
      assert.deepEqual(repository.index(), [{ name: "mlp", version: "1", state: "READY", reason: "" }]);
      const model = repository.get("mlp");
      assert.equal(model.config.platform, "onnxruntime_onnx");
      assert.equal(model.config.maxBatchSize, 32);
      assert.ok(isBatched(model));
      const ref = readReference("mlp");
      const [out] = await model.infer(ref.inputs, inferContext());
      assertClose(out!, ref.outputs[0]!);
    } finally {
      await repository.close();
    }
  });
});
