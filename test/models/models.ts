// The committed test models (made by scripts/models/make-*.py) and their reference files: an input
// and the output PyTorch computed for it, as protocol tensors. For tests and benchmarks.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Datatype, InferContext, Tensor } from "../../src/serving/index.js";

/** test/models/ in the source tree (the compiled code runs from dist/test/models/). */
export const MODELS_DIR = fileURLToPath(new URL("../../../test/models/", import.meta.url));

/** The ONNX models here: an MLP, a token-embedding model, a small BERT-shaped encoder. */
export type TestModel = "mlp" | "token_embedding" | "encoder";

/** Path of test/models/<name>.onnx. */
export function modelPath(name: string): string {
  return `${MODELS_DIR}${name}.onnx`;
}

export interface Reference {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
}

interface JsonTensor { name: string; datatype: Datatype; shape: number[]; data: number[] }

/** test/models/<name>.reference.json as tensors (INT64 as BigInt64Array, FP32 as Float32Array). */
export function readReference(name: TestModel): Reference {
  const body = JSON.parse(readFileSync(`${MODELS_DIR}${name}.reference.json`, "utf8")) as { inputs: JsonTensor[]; outputs: JsonTensor[] };
  const toTensor = (t: JsonTensor): Tensor => ({
    name: t.name,
    datatype: t.datatype,
    shape: t.shape,
    data: t.datatype === "INT64" ? BigInt64Array.from(t.data, (v) => BigInt(v)) : Float32Array.from(t.data),
  }) as Tensor;
  return { inputs: body.inputs.map(toTensor), outputs: body.outputs.map(toTensor) };
}

/** What a model's `infer` gets besides its inputs, for a direct call. */
export function inferContext(o: { signal?: AbortSignal; outputs?: readonly string[] } = {}): InferContext {
  return { signal: o.signal ?? new AbortController().signal, parameters: {}, outputs: o.outputs };
}

/** Assert `actual` has `expected`'s name, datatype and shape, and every element within atol + rtol × |expected|. */
export function assertClose(actual: Tensor, expected: Tensor, tolerance: { atol?: number; rtol?: number } = {}): void {
  const { atol = 1e-5, rtol = 1e-4 } = tolerance;
  assert.deepEqual([actual.name, actual.datatype, [...actual.shape]], [expected.name, expected.datatype, [...expected.shape]]);
  const a = actual.data as ArrayLike<number | bigint>, e = expected.data as ArrayLike<number | bigint>;
  assert.equal(a.length, e.length, `${actual.name}: ${a.length} elements, expected ${e.length}`);
  for (let i = 0; i < e.length; i++) {
    const x = Number(a[i]), y = Number(e[i]);
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) assert.fail(`${actual.name}[${i}] is ${x}, expected ${y} (atol ${atol}, rtol ${rtol})`);
  }
}
