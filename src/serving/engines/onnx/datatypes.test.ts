// Every element type the protocol and ONNX Runtime for Node.js share crosses both ways: FP16 as bit
// patterns, BOOL as bytes, 64-bit integers as BigInts, BYTES as UTF-8 text.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { inferContext, modelPath } from "../../../../test/models/models.js";
import { Code, RpcError } from "../../../core/index.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { Model } from "../../model.js";
import { loadOnnxModel } from "./model.js";

const utf8 = (s: string) => new TextEncoder().encode(s);
const INPUTS: readonly Tensor[] = [
  tensor("fp16_in", "FP16", [2, 2], Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001])), // 1, -2, 65504, the smallest subnormal
  tensor("bool_in", "BOOL", [2, 2], Uint8Array.from([1, 0, 0, 1])),
  tensor("text_in", "BYTES", [2, 2], [utf8("weir"), utf8(""), utf8("naïve ✓"), utf8("4-byte 𝄞")]),
  tensor("fp64_in", "FP64", [2, 2], Float64Array.from([1.5, -0, 1e300, Number.MIN_VALUE])),
  tensor("int8_in", "INT8", [2, 2], Int8Array.from([-128, 127, 0, -1])),
  tensor("uint16_in", "UINT16", [2, 2], Uint16Array.from([0, 65535, 1, 2])),
  tensor("uint32_in", "UINT32", [2, 2], Uint32Array.from([0, 4294967295, 1, 2])),
  tensor("uint64_in", "UINT64", [2, 2], BigUint64Array.from([0n, 2n ** 64n - 1n, 2n ** 53n + 1n, 2n])),
];

describe("ONNX models: datatypes", { timeout: 60_000 }, () => {
  let model: Model;
  before(async () => (model = await loadOnnxModel(modelPath("datatypes"))));
  after(() => model.close?.());

  it("reads every datatype from the file", () => {
    assert.deepEqual(model.config.inputs.map((s) => s.datatype), ["FP16", "BOOL", "BYTES", "FP64", "INT8", "UINT16", "UINT32", "UINT64"]);
    assert.deepEqual(model.config.outputs.map((s) => s.datatype), ["FP16", "BOOL", "BYTES", "FP64", "INT8", "UINT16", "UINT32", "UINT64"]);
  });

  it("passes each datatype in and out exactly", async () => {
    const outputs = await model.infer(INPUTS, inferContext());
    const by = new Map(outputs.map((t) => [t.name, t]));
    for (const t of outputs) assert.deepEqual(t.shape, [2, 2]);
    assert.deepEqual(by.get("fp16_out")!.data, INPUTS[0]!.data);
    assert.deepEqual(by.get("bool_out")!.data, Uint8Array.from([0, 1, 1, 0]));
    assert.deepEqual((by.get("text_out")!.data as Uint8Array[]).map((b) => new TextDecoder().decode(b)), ["weir", "", "naïve ✓", "4-byte 𝄞"]);
    assert.deepEqual(by.get("fp64_out")!.data, Float64Array.from([-1.5, 0, -1e300, -Number.MIN_VALUE]));
    for (const name of ["int8", "uint16", "uint32", "uint64"]) assert.deepEqual(by.get(`${name}_out`)!.data, INPUTS.find((t) => t.name === `${name}_in`)!.data);
  });

  it("text that is not UTF-8, or holds a NUL byte (ONNX Runtime's strings would end there), is INVALID_ARGUMENT", async () => {
    const withText = (second: Uint8Array) => INPUTS.map((t) => (t.name === "text_in" ? tensor("text_in", "BYTES", [2, 2], [utf8("a"), second, utf8("c"), utf8("d")]) : t));
    await assert.rejects(async () => model.infer(withText(Uint8Array.from([0xff, 0xfe])), inferContext()), (e: RpcError) => e.code === Code.InvalidArgument && /input text_in element 1 is not UTF-8/.test(e.rawMessage));
    await assert.rejects(async () => model.infer(withText(utf8("x\u0000y")), inferContext()), (e: RpcError) => e.code === Code.InvalidArgument && /input text_in element 1 holds a NUL byte/.test(e.rawMessage));
  });
});
