// The committed test models through loadOnnxModel: metadata from the files, PyTorch's numbers,
// and a batch giving each row what that row alone gets.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertClose, inferContext, modelPath, readReference, type TestModel } from "../../../../test/models/models.js";
import { Code, RpcError } from "../../../core/index.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { Model, ModelConfig } from "../../model.js";
import { loadOnnxModel, onnxLoader } from "./model.js";

/** Row `i` of a batched tensor, as a batch of one (a view, no copy). */
function row(t: Tensor, i: number): Tensor {
  const per = t.data.length / t.shape[0]!;
  const data = (t.data as Float32Array).subarray(i * per, (i + 1) * per);
  return { name: t.name, datatype: t.datatype, shape: [1, ...t.shape.slice(1)], data } as Tensor;
}

const EXPECTED: Record<TestModel, Pick<ModelConfig, "inputs" | "outputs" | "maxBatchSize">> = {
  mlp: {
    inputs: [{ name: "input", datatype: "FP32", shape: [256] }],
    outputs: [{ name: "output", datatype: "FP32", shape: [16] }],
    maxBatchSize: 8,
  },
  token_embedding: {
    inputs: [{ name: "input_ids", datatype: "INT64", shape: [-1] }],
    outputs: [{ name: "embeddings", datatype: "FP32", shape: [-1, 384] }],
    maxBatchSize: 8,
  },
  encoder: {
    inputs: [{ name: "input_ids", datatype: "INT64", shape: [-1] }, { name: "attention_mask", datatype: "INT64", shape: [-1] }],
    outputs: [{ name: "logits", datatype: "FP32", shape: [3] }],
    maxBatchSize: 8,
  },
};

for (const name of Object.keys(EXPECTED) as TestModel[]) {
  describe(`ONNX test model ${name}`, { timeout: 60_000 }, () => {
    let model: Model;
    before(async () => (model = await loadOnnxModel(modelPath(name))));
    after(() => model.close?.());

    it("takes its inputs, outputs and batching from the file", () => {
      assert.deepEqual({ inputs: model.config.inputs, outputs: model.config.outputs, maxBatchSize: model.config.maxBatchSize }, EXPECTED[name]);
      assert.equal(model.config.name, name);
      assert.equal(model.config.version, "1");
      assert.equal(model.config.platform, "onnxruntime_onnx");
    });

    it("gives the outputs PyTorch computed", async () => {
      const ref = readReference(name);
      const outputs = await model.infer(ref.inputs, inferContext());
      assert.equal(outputs.length, ref.outputs.length);
      ref.outputs.forEach((expected, i) => assertClose(outputs[i]!, expected));
    });

    it("gives each row of a batch what the row alone gets", async () => {
      const ref = readReference(name);
      const [batched] = await model.infer(ref.inputs, inferContext());
      for (let i = 0; i < ref.inputs[0]!.shape[0]!; i++) {
        const [alone] = await model.infer(ref.inputs.map((t) => row(t, i)), inferContext());
        assertClose(alone!, row(batched!, i), { atol: 1e-6, rtol: 1e-5 });
      }
    });
  });
}

describe("ONNX test models, details", { timeout: 60_000 }, () => {
  let mlp: Model, encoder: Model;
  before(async () => ([mlp, encoder] = await Promise.all([loadOnnxModel(modelPath("mlp")), loadOnnxModel(modelPath("encoder"))])));
  after(async () => Promise.all([mlp.close?.(), encoder.close?.()]));

  it("the MLP runs a full batch of 8 rows as each row alone", async () => {
    const data = Float32Array.from({ length: 8 * 256 }, (_, i) => ((i * 7919) % 2001) / 1000 - 1);
    const [batched] = await mlp.infer([tensor("input", "FP32", [8, 256], data)], inferContext());
    assert.deepEqual(batched!.shape, [8, 16]);
    for (let i = 0; i < 8; i++) {
      const [alone] = await mlp.infer([tensor("input", "FP32", [1, 256], data.subarray(i * 256, (i + 1) * 256))], inferContext());
      assertClose(alone!, row(batched!, i), { atol: 1e-6, rtol: 1e-5 });
    }
  });

  it("the encoder ignores padding: a padded row gives what the same tokens unpadded give", async () => {
    const ids = [101n, 7592n, 2088n, 999n, 102n];
    const padded = await encoder.infer([
      tensor("input_ids", "INT64", [1, 9], BigInt64Array.from([...ids, 0n, 0n, 0n, 0n])),
      tensor("attention_mask", "INT64", [1, 9], BigInt64Array.from([1n, 1n, 1n, 1n, 1n, 0n, 0n, 0n, 0n])),
    ], inferContext());
    const unpadded = await encoder.infer([
      tensor("input_ids", "INT64", [1, 5], BigInt64Array.from(ids)),
      tensor("attention_mask", "INT64", [1, 5], new BigInt64Array(5).fill(1n)),
    ], inferContext());
    assertClose(padded[0]!, unpadded[0]!, { atol: 1e-5, rtol: 1e-4 });
  });

  it("a sequence past the encoder's 512 positions is INVALID_ARGUMENT quoting ONNX Runtime, and the model serves on", async () => {
    const long = (v: bigint) => tensor("input_ids", "INT64", [1, 600], new BigInt64Array(600).fill(v));
    await assert.rejects(async () => encoder.infer([long(7n), { ...long(1n), name: "attention_mask" }], inferContext()), (e: RpcError) =>
      e.code === Code.InvalidArgument && e.rawMessage.startsWith("model encoder could not run on these inputs: ") && e.rawMessage.length > 50);
    const ref = readReference("encoder");
    assertClose((await encoder.infer(ref.inputs, inferContext()))[0]!, ref.outputs[0]!);
  });

  it("returns only the outputs asked for", async () => {
    const ref = readReference("encoder");
    const outputs = await encoder.infer(ref.inputs, inferContext({ outputs: ["logits"] }));
    assert.deepEqual(outputs.map((t) => t.name), ["logits"]);
  });

  it("a call whose signal has fired does not run: CANCELLED", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(async () => mlp.infer(readReference("mlp").inputs, inferContext({ signal: controller.signal })), (e: RpcError) => e.code === Code.Canceled);
  });

  it("the loader a repository registers: platform, which files, and load(file, config)", async () => {
    assert.deepEqual(Object.keys(onnxLoader).sort(), ["canLoad", "load", "platform"]);
    assert.equal(onnxLoader.platform, "onnxruntime_onnx");
    assert.equal(onnxLoader.canLoad("repo/mlp/1/model.onnx"), true);
    assert.equal(onnxLoader.canLoad("repo/mlp/1/model.pt"), false);
    const m = await onnxLoader.load(modelPath("mlp"), { name: "classifier", version: "3", maxBatchSize: 32, dynamicBatching: { maxQueueDelayMicroseconds: 100 } });
    try {
      assert.deepEqual([m.config.name, m.config.version, m.config.maxBatchSize, m.config.dynamicBatching], ["classifier", "3", 32, { maxQueueDelayMicroseconds: 100 }]);
    } finally {
      await m.close?.();
    }
  });
});
