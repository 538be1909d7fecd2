// Inputs an ONNX model cannot take are refused by the model's own checks, with INVALID_ARGUMENT
// naming the problem, before ONNX Runtime sees them; the model serves the next call.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertClose, inferContext, modelPath, readReference } from "../../../../test/models/models.js";
import { Code, RpcError } from "../../../core/index.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { Model } from "../../model.js";
import { loadOnnxModel } from "./model.js";

const ids = (shape: number[], name = "input_ids") => tensor(name, "INT64", shape, new BigInt64Array(shape.reduce((a, b) => a * b, 1)).fill(1n));
const floats = (shape: number[]) => tensor("input", "FP32", shape, new Float32Array(shape.reduce((a, b) => a * b, 1)));

/** [model, inputs, what the message must say] */
const CASES: readonly (readonly [string, "mlp" | "encoder", () => readonly Tensor[], RegExp])[] = [
  ["wrong datatype", "mlp", () => [tensor("input", "FP64", [1, 256], new Float64Array(256))], /model mlp: input input is FP64 \[1,256\], the model takes FP32 \[-1,256\]/],
  ["wrong rank", "mlp", () => [floats([256])], /input input is FP32 \[256\], the model takes FP32 \[-1,256\]/],
  ["wrong fixed dimension", "mlp", () => [floats([1, 255])], /input input is FP32 \[1,255\]/],
  ["batch past the max batch size", "mlp", () => [floats([9, 256])], /a batch of 9 .* is not from 1 to its max batch size 8/],
  ["empty batch", "mlp", () => [floats([0, 256])], /a batch of 0/],
  ["elements not matching the shape", "mlp", () => [{ name: "input", datatype: "FP32", shape: [2, 256], data: new Float32Array(256) }], /has 256 elements, its shape \[2,256\] needs 512/],
  ["a shape whose element count overflows", "encoder", () => [{ ...ids([1, 4]), shape: [2 ** 26, 2 ** 26] }, ids([1, 4], "attention_mask")], /tensor input_ids has more than 2147483647 elements/],
  ["missing input", "encoder", () => [ids([1, 4])], /model encoder needs input attention_mask/],
  ["unknown input", "encoder", () => [ids([1, 4]), ids([1, 4], "attention_mask"), ids([1, 4], "token_type_ids")], /has no input token_type_ids; it takes input_ids, attention_mask/],
  ["an input given twice", "encoder", () => [ids([1, 4]), ids([1, 4], "attention_mask"), ids([1, 4])], /got an input twice/],
  ["inputs of different batches", "encoder", () => [ids([2, 4]), ids([1, 4], "attention_mask")], /inputs input_ids and attention_mask have batches of 2 and 1/],
  ["sequence lengths that differ", "encoder", () => [ids([1, 4]), ids([1, 5], "attention_mask")], /dimension 1 of input attention_mask is 5, dimension 1 of input input_ids is 4; the model needs them equal \(seq\)/],
];

describe("ONNX models refuse bad inputs before ONNX Runtime runs", { timeout: 60_000 }, () => {
  const models: Record<string, Model> = {};
  before(async () => ([models.mlp, models.encoder] = await Promise.all([loadOnnxModel(modelPath("mlp")), loadOnnxModel(modelPath("encoder"))])));
  after(async () => Promise.all(Object.values(models).map((m) => m.close?.())));

  for (const [what, name, inputs, message] of CASES) {
    it(`${what}: INVALID_ARGUMENT, and the model serves on`, async () => {
      await assert.rejects(async () => models[name]!.infer(inputs(), inferContext()), (e: RpcError) => {
        assert.equal(e.code, Code.InvalidArgument, e.message);
        assert.match(e.rawMessage, message);
        assert.doesNotMatch(e.rawMessage, /could not run/); // the model's check, not ONNX Runtime's error
        return true;
      });
      const ref = readReference(name);
      assertClose((await models[name]!.infer(ref.inputs, inferContext()))[0]!, ref.outputs[0]!);
    });
  }

  it("an output the model does not have: INVALID_ARGUMENT", async () => {
    await assert.rejects(async () => models.encoder!.infer(readReference("encoder").inputs, inferContext({ outputs: ["pooled"] })),
      (e: RpcError) => e.code === Code.InvalidArgument && /has no output pooled; it gives logits/.test(e.rawMessage));
  });
});
