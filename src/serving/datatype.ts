import { Code, RpcError } from "../core/index.js";

/** The tensor element types of the Open Inference Protocol (and BF16, as Triton and the OIP proto's comments have it). */
export const DATATYPES = ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "BF16", "FP32", "FP64", "BYTES"] as const;

/** An OIP v2 tensor datatype name (`BOOL`, `UINT8` … `FP64`, `BYTES`). */
export type Datatype = (typeof DATATYPES)[number];

/** The elements of a tensor: a typed array per fixed-size type, one byte string per element for BYTES. */
export type TensorData =
  | Uint8Array // BOOL (0 or 1 per element), UINT8
  | Uint16Array // UINT16; FP16 and BF16 as their 16-bit patterns
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | readonly Uint8Array[]; // BYTES

/** The element array of each datatype. */
export interface DataOf {
  BOOL: Uint8Array; UINT8: Uint8Array; UINT16: Uint16Array; UINT32: Uint32Array; UINT64: BigUint64Array;
  INT8: Int8Array; INT16: Int16Array; INT32: Int32Array; INT64: BigInt64Array;
  FP16: Uint16Array; BF16: Uint16Array; FP32: Float32Array; FP64: Float64Array; BYTES: readonly Uint8Array[];
}

type FixedDatatype = Exclude<Datatype, "BYTES">;
type TypedArrayConstructor = { new (length: number): TensorData; new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData; readonly BYTES_PER_ELEMENT: number };

const ARRAYS: Readonly<Record<FixedDatatype, TypedArrayConstructor>> = Object.freeze({
  BOOL: Uint8Array, UINT8: Uint8Array, UINT16: Uint16Array, UINT32: Uint32Array, UINT64: BigUint64Array,
  INT8: Int8Array, INT16: Int16Array, INT32: Int32Array, INT64: BigInt64Array,
  FP16: Uint16Array, BF16: Uint16Array, FP32: Float32Array, FP64: Float64Array,
} as Record<FixedDatatype, TypedArrayConstructor>);

const KNOWN: ReadonlySet<string> = new Set(DATATYPES);

/** Whether `s` names a datatype (case-sensitive, as the protocol's strings are). */
export function isDatatype(s: string): s is Datatype {
  return KNOWN.has(s);
}

/** `s` as a datatype, or INVALID_ARGUMENT naming it. */
export function toDatatype(s: string, what = "datatype"): Datatype {
  if (isDatatype(s)) return s;
  throw new RpcError(Code.InvalidArgument, `${what} "${s.slice(0, 40)}" is not one of ${DATATYPES.join(", ")}`);
}

/** Bytes per element; 0 for BYTES, whose elements have their own lengths. */
export function elementSize(d: Datatype): number {
  return d === "BYTES" ? 0 : ARRAYS[d].BYTES_PER_ELEMENT;
}

/** The typed array constructor of a fixed-size datatype. */
export function arrayOf(d: FixedDatatype): TypedArrayConstructor {
  return ARRAYS[d];
}

/** A zeroed element array of `length` elements. */
export function allocate<D extends Datatype>(d: D, length: number): DataOf[D] {
  if (d === "BYTES") return Array.from({ length }, () => new Uint8Array(0)) as unknown as DataOf[D];
  return new ARRAYS[d as FixedDatatype](length) as unknown as DataOf[D];
}

/** Number of elements in `data`. */
export function dataLength(data: TensorData): number {
  return data.length;
}
