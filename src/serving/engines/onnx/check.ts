import { Code, RpcError } from "../../../core/index.js";
import { checkTensor, type Tensor } from "../../tensor.js";
import type { Port, Signature } from "./signature.js";

/** Two free dimensions that share a name in the model, so must have the same size: [input, dim, input, dim]. */
export type SameSize = readonly [number, number, number, number];

/** The pairs of input dimensions that must agree (the batch dimension is checked on its own). */
export function sameSizes(sig: Signature): SameSize[] {
  const first = new Map<string, readonly [number, number]>();
  const pairs: SameSize[] = [];
  sig.inputs.forEach((p, i) => {
    for (let k = sig.maxBatchSize > 0 ? 1 : 0; k < p.dims.length; k++) {
      const s = p.symbols[k];
      if (s === undefined || s === "" || p.dims[k] !== -1) continue;
      const at = first.get(s);
      if (at === undefined) first.set(s, [i, k]);
      else pairs.push([i, k, at[0], at[1]]);
    }
  });
  return pairs;
}

/**
 * The inputs in the model's order, each checked against what the model takes: name, datatype,
 * rank, fixed dimensions, one batch size of at most `maxBatchSize`, equal sizes of dimensions
 * sharing a name, and elements matching the shape. INVALID_ARGUMENT naming the first problem,
 * before ONNX Runtime sees anything.
 */
export function checkInputs(model: string, sig: Signature, pairs: readonly SameSize[], inputs: readonly Tensor[]): Tensor[] {
  const ports = sig.inputs;
  const ordered = new Array<Tensor>(ports.length);
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i]!;
    const t = inputs.find((x) => x.name === p.name);
    if (t === undefined) throw new RpcError(Code.InvalidArgument, `model ${model} needs input ${p.name} (${describe(p, sig.maxBatchSize)})`);
    checkOne(model, p, t, sig.maxBatchSize);
    ordered[i] = t;
  }
  if (inputs.length !== ports.length) {
    const extra = inputs.find((t) => !ports.some((p) => p.name === t.name));
    throw new RpcError(Code.InvalidArgument, extra === undefined
      ? `model ${model} got an input twice; it takes ${ports.map((p) => p.name).join(", ")}`
      : `model ${model} has no input ${extra.name.slice(0, 64)}; it takes ${ports.map((p) => p.name).join(", ")}`);
  }
  if (sig.maxBatchSize > 0) checkBatch(model, ordered, sig.maxBatchSize);
  for (const [i, k, j, l] of pairs) {
    const a = ordered[i]!, b = ordered[j]!;
    if (a.shape[k] !== b.shape[l]) {
      throw new RpcError(Code.InvalidArgument, `model ${model}: dimension ${k} of input ${a.name} is ${a.shape[k]}, dimension ${l} of input ${b.name} is ${b.shape[l]}; the model needs them equal (${ports[i]!.symbols[k]})`);
    }
  }
  return ordered;
}

function checkOne(model: string, p: Port, t: Tensor, maxBatchSize: number): void {
  const wrong = () => new RpcError(Code.InvalidArgument, `model ${model}: input ${p.name} is ${t.datatype} [${t.shape.join(",")}], the model takes ${describe(p, maxBatchSize)}`);
  if (t.datatype !== p.datatype || t.shape.length !== p.dims.length) throw wrong();
  for (let k = 0; k < p.dims.length; k++) if (p.dims[k] !== -1 && t.shape[k] !== p.dims[k]) throw wrong();
  checkTensor(t);
}

function checkBatch(model: string, ordered: readonly Tensor[], maxBatchSize: number): void {
  const n = ordered[0]!.shape[0]!;
  if (n < 1 || n > maxBatchSize) throw new RpcError(Code.InvalidArgument, `model ${model}: a batch of ${n} (dimension 0 of input ${ordered[0]!.name}) is not from 1 to its max batch size ${maxBatchSize}`);
  for (const t of ordered) {
    if (t.shape[0] !== n) throw new RpcError(Code.InvalidArgument, `model ${model}: inputs ${ordered[0]!.name} and ${t.name} have batches of ${n} and ${t.shape[0]}`);
  }
}

/** e.g. "FP32 [-1,256], batch first, at most 8". */
function describe(p: Port, maxBatchSize: number): string {
  return `${p.datatype} [${p.dims.join(",")}]${maxBatchSize > 0 ? `, dimension 0 the batch of 1 to ${maxBatchSize}` : ""}`;
}
