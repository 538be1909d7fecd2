/**
 * Models and helpers for the batcher's tests: a model whose calls the test answers by hand, and a
 * row-wise model (every output row depends on its input row only), as every batchable model is.
 */
import { Code, RpcError } from "../../core/index.js";
import { tensor, type Parameters, type Tensor } from "../tensor.js";
import type { DynamicBatchingConfig, InferContext, Model, ModelConfig } from "../model.js";

/** A call the gate model received, open until the test answers it. */
export interface GateCall {
  readonly inputs: readonly Tensor[];
  readonly ctx: InferContext;
  /** Answer with the inputs renamed OUTPUTn (an echo), or with `outputs`. */
  answer(outputs?: readonly Tensor[]): void;
  fail(e: unknown): void;
}

/** A model that answers only when the test says so. */
export interface GateModel extends Model {
  readonly calls: GateCall[];
  closed: boolean;
  /** The next call (bounded: fails after 2 s). */
  nextCall(): Promise<GateCall>;
}

export function gateConfig(dynamicBatching: DynamicBatchingConfig = {}, maxBatchSize = 8, extra: Partial<ModelConfig> = {}): ModelConfig {
  return {
    name: "gate",
    maxBatchSize,
    dynamicBatching,
    inputs: [{ name: "INPUT0", datatype: "FP32", shape: [-1] }],
    outputs: [{ name: "OUTPUT0", datatype: "FP32", shape: [-1] }],
    ...extra,
  };
}

export function gateModel(config: ModelConfig = gateConfig()): GateModel {
  const calls: GateCall[] = [];
  let waiting: ((c: GateCall) => void) | undefined;
  let seen = 0;
  const model: GateModel = {
    config,
    calls,
    closed: false,
    infer(inputs, ctx) {
      return new Promise((resolve, reject) => {
        const call: GateCall = {
          inputs, ctx,
          answer: (outputs) => resolve(outputs ?? inputs.map((t, i) => ({ ...t, name: `OUTPUT${i}` }))),
          fail: reject,
        };
        calls.push(call);
        waiting?.(call);
      });
    },
    async nextCall() {
      if (calls.length > seen) return calls[seen++]!;
      const call = await new Promise<GateCall>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("the model was not called within 2 s")), 2000);
        waiting = (c) => { clearTimeout(t); waiting = undefined; resolve(c); };
      });
      seen++;
      return call;
    },
    async close() {
      model.closed = true;
    },
  };
  return model;
}

/** A request's inputs: `rows` rows of `width` FP32 values starting at `first`. */
export function rowsOf(rows: number, first = 0, width = 2, name = "INPUT0"): Tensor[] {
  const data = new Float32Array(rows * width);
  for (let i = 0; i < data.length; i++) data[i] = first + i;
  return [tensor(name, "FP32", [rows, width], data)];
}

/** A context with its own controller. */
export function ctxOf(parameters: Parameters = {}, outputs?: readonly string[]): InferContext & { controller: AbortController } {
  const controller = new AbortController();
  return { signal: controller.signal, parameters, outputs, controller };
}

/** The RpcError a promise rejects with (fails if it resolves). Call it at once so the rejection is handled. */
export async function errorOf(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error("expected the promise to reject");
}

/** The code of `errorOf(p)`. */
export async function codeOf(p: Promise<unknown>): Promise<Code> {
  return (await errorOf(p)).code;
}

/**
 * A row-wise model over three inputs: F (FP32 [n, k]) -> DOUBLED = 2F + 1; B (BYTES [n, m]) ->
 * REVERSED, each element's bytes reversed; I (INT64 [n, j]) -> ROWSUM (INT64 [n, 1]), each row's sum.
 */
export function rowwiseModel(dynamicBatching: DynamicBatchingConfig, maxBatchSize: number): Model & { runs: number[] } {
  const runs: number[] = [];
  return {
    runs,
    config: {
      name: "rowwise", maxBatchSize, dynamicBatching,
      inputs: [{ name: "F", datatype: "FP32", shape: [-1] }, { name: "B", datatype: "BYTES", shape: [-1] }, { name: "I", datatype: "INT64", shape: [-1] }],
      outputs: [{ name: "DOUBLED", datatype: "FP32", shape: [-1] }, { name: "REVERSED", datatype: "BYTES", shape: [-1] }, { name: "ROWSUM", datatype: "INT64", shape: [1] }],
    },
    infer(inputs) {
      const [f, b, i] = inputs as [Tensor<"FP32">, Tensor<"BYTES">, Tensor<"INT64">];
      const rows = f.shape[0]!;
      runs.push(rows);
      const width = i.shape[1]!;
      const sums = new BigInt64Array(rows);
      for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) sums[r]! += i.data[r * width + c]!;
      return [
        tensor("DOUBLED", "FP32", f.shape, f.data.map((x) => 2 * x + 1)),
        tensor("REVERSED", "BYTES", b.shape, b.data.map((e) => e.slice().reverse())),
        tensor("ROWSUM", "INT64", [rows, 1], sums),
      ];
    },
  };
}
