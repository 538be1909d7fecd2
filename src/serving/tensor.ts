import { Code, RpcError } from "../core/index.js";
import { elementSize, type DataOf, type Datatype, type TensorData } from "./datatype.js";

/** A request, model or tensor parameter value (`InferParameter`: bool, int64, string, double, uint64). */
export type ParameterValue = string | number | boolean | bigint;
/** The parameters of a request, model or tensor (`InferParameter` map), by name. */
export type Parameters = Readonly<Record<string, ParameterValue>>;

/**
 * A tensor: a name, a datatype, a shape (row-major, no padding) and its elements. Fixed-size
 * elements are a typed array in the platform's byte order; BYTES elements are one byte string each.
 */
export interface Tensor<D extends Datatype = Datatype> {
  readonly name: string;
  readonly datatype: D;
  readonly shape: readonly number[];
  readonly data: DataOf[D];
  readonly parameters?: Parameters;
}

/** The largest number of elements a tensor may have: past it a shape is refused before any allocation. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/**
 * Elements in `shape`: the product of its dimensions. INVALID_ARGUMENT for a negative or
 * fractional dimension, or a product past `max` (checked as it grows, so it cannot overflow).
 */
export function elementCount(shape: readonly number[], max = MAX_TENSOR_ELEMENTS, what = "tensor"): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RpcError(Code.InvalidArgument, `${what} has a bad dimension ${String(d).slice(0, 30)} in its shape`);
    n *= d;
    if (n > max) throw new RpcError(Code.InvalidArgument, `${what} has more than ${max} elements (shape [${shape.join(",")}])`);
  }
  return n;
}

/** Bytes the elements of a fixed-size tensor take; for BYTES, the sum of their lengths. */
export function byteLength(t: Tensor): number {
  if (t.datatype !== "BYTES") return t.data.length * elementSize(t.datatype);
  let n = 0;
  for (const e of t.data as readonly Uint8Array[]) n += e.length;
  return n;
}

/** INVALID_ARGUMENT unless the tensor holds exactly as many elements as its shape says. */
export function checkTensor(t: Tensor): void {
  const n = elementCount(t.shape, MAX_TENSOR_ELEMENTS, `tensor ${t.name}`);
  if (t.data.length !== n) {
    throw new RpcError(Code.InvalidArgument, `tensor ${t.name} has ${t.data.length} elements, its shape [${t.shape.join(",")}] needs ${n}`);
  }
}

/**
 * A tensor, checked.
 * @example
 * const t = tensor("INPUT0", "FP32", [2, 2], new Float32Array([1, 2, 3, 4]));
 */
export function tensor<D extends Datatype>(name: string, datatype: D, shape: readonly number[], data: DataOf[D], parameters?: Parameters): Tensor<D> {
  const t: Tensor<D> = parameters === undefined ? { name, datatype, shape, data } : { name, datatype, shape, data, parameters };
  checkTensor(t);
  return t;
}

export type { TensorData };
