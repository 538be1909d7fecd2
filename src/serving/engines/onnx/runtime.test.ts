// onnxruntime-node is optional: without it the engine's module still loads, and loading a model
// says how to install it. The compiled engine is copied to a temporary folder with no
// node_modules above it, where `import("onnxruntime-node")` really cannot be resolved.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { modelPath } from "../../../../test/models/models.js";
import { Code, type RpcError } from "../../../core/index.js";
import type * as Onnx from "./index.js";

/** dist/src, the compiled code. */
const DIST_SRC = fileURLToPath(new URL("../../../", import.meta.url));
const NEEDED = ["core", "serving/model.js", "serving/tensor.js", "serving/datatype.js", "serving/oip", "serving/repository", "serving/engines/onnx"];

describe("without onnxruntime-node", { timeout: 30_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "weir-no-ort-"));
  let onnx: typeof Onnx;
  before(async () => {
    for (const sub of NEEDED) cpSync(path.join(DIST_SRC, sub), path.join(dir, sub), { recursive: true, filter: (f) => !f.endsWith(".test.js") });
    onnx = (await import(pathToFileURL(path.join(dir, "serving/engines/onnx/index.js")).href)) as typeof Onnx;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("loading a model is FAILED_PRECONDITION saying how to install it; a later try says it again", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(onnx.loadOnnxModel(modelPath("mlp")), (e: RpcError) => {
        assert.equal(e.code, Code.FailedPrecondition, e.message);
        assert.match(e.rawMessage, /^ONNX models need the optional package onnxruntime-node, which is not installed: npm install onnxruntime-node /);
        assert.match(e.rawMessage, /onnxruntime-node-install=skip/);
        return true;
      });
    }
  });

  it("the loader and the options work without it (nothing imports it until a model loads)", () => {
    assert.equal(onnx.onnxLoader.canLoad("m.onnx"), true);
    assert.equal(onnx.resolveOnnxModelOptions({ maxBatchSize: 4 }).maxBatchSize, 4);
  });
});
