// Loading: what a config may change (batching, narrower shapes), what it may not, the engine's
// options, and files that are not there, not models, or too large.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { inferContext, modelPath, MODELS_DIR } from "../../../../test/models/models.js";
import { Code, RpcError } from "../../../core/index.js";
import { tensor } from "../../tensor.js";
import type { Model } from "../../model.js";
import { loadOnnxModel } from "./model.js";
import type { OnnxModelOptions } from "./options.js";

async function withModel(name: string, options: OnnxModelOptions, use: (m: Model) => Promise<void> | void): Promise<void> {
  const m = await loadOnnxModel(modelPath(name), options);
  try {
    await use(m);
  } finally {
    await m.close?.();
  }
}

const refused = (code: Code, message: RegExp) => (e: RpcError) => {
  assert.equal(e.code, code, e.message);
  assert.match(e.rawMessage, message);
  return true;
};

describe("loading an ONNX model", { timeout: 60_000 }, () => {
  it("maxBatchSize sets the largest batch; 0 serves the file's shapes, batch dimension included", async () => {
    await withModel("encoder", { maxBatchSize: 64 }, (m) => assert.equal(m.config.maxBatchSize, 64));
    await withModel("encoder", { maxBatchSize: 0 }, async (m) => {
      assert.equal(m.config.maxBatchSize, 0);
      assert.deepEqual(m.config.inputs.map((s) => s.shape), [[-1, -1], [-1, -1]]);
      assert.deepEqual(m.config.outputs[0]!.shape, [-1, 3]);
      const n = 20; // past the default max batch: nothing bounds the batch but the caller
      const ids = tensor("input_ids", "INT64", [n, 3], new BigInt64Array(3 * n).fill(5n));
      const [logits] = await m.infer([ids, { ...ids, name: "attention_mask" }], inferContext());
      assert.deepEqual(logits!.shape, [n, 3]);
    });
  });

  it("a model without a leading free dimension does not batch, and asking it to is INVALID_ARGUMENT", async () => {
    await withModel("datatypes", {}, (m) => {
      assert.equal(m.config.maxBatchSize, 0);
      assert.deepEqual(m.config.inputs[0], { name: "fp16_in", datatype: "FP16", shape: [2, -1] });
    });
    await assert.rejects(loadOnnxModel(modelPath("datatypes"), { maxBatchSize: 4 }), refused(Code.InvalidArgument, /model datatypes cannot batch \(maxBatchSize 4\): its tensor fp16_in has shape \[2,-1\]/));
  });

  it("a config may fix a free dimension; inputs must then have it", async () => {
    const inputs = [{ name: "input_ids", datatype: "INT64", shape: [16] }, { name: "attention_mask", datatype: "INT64", shape: [16] }] as const;
    await withModel("encoder", { name: "fixed", inputs }, async (m) => {
      assert.deepEqual(m.config.inputs, inputs);
      const ids = (n: number) => tensor("input_ids", "INT64", [1, n], new BigInt64Array(n).fill(3n));
      assert.deepEqual((await m.infer([ids(16), { ...ids(16), name: "attention_mask" }], inferContext()))[0]!.shape, [1, 3]);
      await assert.rejects(async () => m.infer([ids(9), { ...ids(9), name: "attention_mask" }], inferContext()), refused(Code.InvalidArgument, /input input_ids is INT64 \[1,9\], the model takes INT64 \[-1,16\]/));
    });
  });

  it("a config may serve some of the outputs; one listing no tensors takes the file's", async () => {
    await withModel("datatypes", { outputs: [{ name: "bool_out", datatype: "BOOL", shape: [2, -1] }] }, (m) => assert.deepEqual(m.config.outputs.map((s) => s.name), ["bool_out"]));
    await withModel("encoder", { inputs: [], outputs: [] }, (m) => assert.deepEqual([m.config.inputs.length, m.config.outputs.length], [2, 1]));
  });

  it("a config that does not fit the file is INVALID_ARGUMENT naming the tensor", async () => {
    const spec = (name: string, datatype: "INT64" | "INT32", shape: number[]) => ({ name, datatype, shape });
    const cases: [OnnxModelOptions, RegExp][] = [
      [{ inputs: [spec("input_ids", "INT32", [-1]), spec("attention_mask", "INT64", [-1])] }, /the config's input input_ids is INT32 \[-1\], the model's is INT64 \[-1\]/],
      [{ inputs: [spec("input_ids", "INT64", [-1, 4]), spec("attention_mask", "INT64", [-1])] }, /input input_ids is INT64 \[-1,4\]/],
      [{ inputs: [spec("input_ids", "INT64", [-1])] }, /the config lists no input attention_mask, which the model takes/],
      [{ inputs: [spec("input_ids", "INT64", [-1]), spec("attention_mask", "INT64", [-1]), spec("token_type_ids", "INT64", [-1])] }, /token_type_ids is not one of the model's inputs \(input_ids, attention_mask\)/],
      [{ outputs: [{ name: "logits", datatype: "FP32", shape: [4] }] }, /the config's output logits is FP32 \[4\], the model's is FP32 \[3\]/],
      [{ name: "no spaces allowed" }, /a model name must be/],
    ];
    for (const [options, message] of cases) await assert.rejects(loadOnnxModel(modelPath("encoder"), options), refused(Code.InvalidArgument, message));
  });

  it("engine options are checked: INVALID_ARGUMENT saying what to pass", async () => {
    const cases: [OnnxModelOptions, RegExp][] = [
      [{ intraOpThreads: 0 }, /intraOpThreads must be an integer from 1 to 256, got 0/],
      [{ maxBatchSize: -1 }, /maxBatchSize must be an integer >= 0, got -1/],
      [{ graphOptimizationLevel: "max" as "all" }, /graphOptimizationLevel must be one of disabled, basic, extended, all/],
      [{ maxModelBytes: 0 }, /maxModelBytes must be a positive integer/],
    ];
    for (const [options, message] of cases) await assert.rejects(loadOnnxModel(modelPath("mlp"), options), refused(Code.InvalidArgument, message));
  });

  it("intraOpThreads N: the session starts N - 1 threads besides the caller's, and they end at close", async () => {
    const threads = () => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]);
    const ids = [tensor("input_ids", "INT64", [1, 2], BigInt64Array.from([1n, 1025n]))];
    await withModel("token_embedding", { intraOpThreads: 1 }, async (m) => void (await m.infer(ids, inferContext()))); // ONNX Runtime's own start-up threads
    const before = threads();
    await withModel("token_embedding", { intraOpThreads: 4, allowSpinning: true, graphOptimizationLevel: "disabled" }, async (m) => {
      const v = (await m.infer(ids, inferContext()))[0]!.data as Float32Array;
      assert.deepEqual(v.subarray(0, 384), v.subarray(384)); // id 1025 wraps to row 1
      assert.equal(threads() - before, 3);
    });
    assert.equal(threads(), before);
  });

  it("no file: NOT_FOUND; not a model: INVALID_ARGUMENT; a file over maxModelBytes: RESOURCE_EXHAUSTED, before it is read", async () => {
    await assert.rejects(loadOnnxModel(`${MODELS_DIR}absent.onnx`), refused(Code.NotFound, /no ONNX model file at .*absent\.onnx/));
    await assert.rejects(loadOnnxModel(MODELS_DIR), refused(Code.InvalidArgument, /is not a file/));
    await assert.rejects(loadOnnxModel(`${MODELS_DIR}mlp.reference.json`), refused(Code.InvalidArgument, /ONNX Runtime could not load .*mlp\.reference\.json: /));
    await assert.rejects(loadOnnxModel(modelPath("encoder"), { maxModelBytes: 1 << 20 }), refused(Code.ResourceExhausted, /encoder\.onnx is \d+ bytes, more than maxModelBytes 1048576/));
  });

  it("a model with a type the protocol or ONNX Runtime for Node.js cannot carry (bfloat16) does not load: INVALID_ARGUMENT", async () => {
    await assert.rejects(loadOnnxModel(modelPath("bfloat16")), refused(Code.InvalidArgument, /ONNX Runtime could not load .*bfloat16\.onnx: .*data type/i));
  });
});
