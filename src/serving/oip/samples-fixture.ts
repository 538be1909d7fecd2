import { DATATYPES, allocate, type Datatype, type DataOf } from "../datatype.js";
import { elementCount, type Tensor } from "../tensor.js";

/**
 * Tensors of every datatype holding the edge values of each (extremes, -1, 0, subnormals, empty
 * and multi-byte strings), for tests and the compliance checker's fixtures. Values a JSON text
 * can carry only: no NaN, and BYTES elements are UTF-8 text.
 * @internal
 */

const EDGES: { readonly [D in Exclude<Datatype, "BYTES">]: readonly (number | bigint)[] } = {
  BOOL: [1, 0, 0, 1],
  UINT8: [0, 255, 1, 128],
  UINT16: [0, 65535, 1, 32768],
  UINT32: [0, 4294967295, 1, 2147483648],
  UINT64: [0n, 18446744073709551615n, 9007199254740993n, 1n],
  INT8: [-128, 127, -1, 0],
  INT16: [-32768, 32767, -1, 0],
  INT32: [-2147483648, 2147483647, -1, 0],
  INT64: [-9223372036854775808n, 9223372036854775807n, -9007199254740993n, -1n],
  FP16: [0x3c00, 0xc000, 0x7bff, 0x0001], // 1, -2, 65504, the smallest subnormal
  BF16: [0x3f80, 0xc000, 0x7f7f, 0x8000], // 1, -2, the largest finite, -0
  FP32: [1.5, -0.1, 3.4028234663852886e38, 1.401298464324817e-45],
  FP64: [Math.PI, -1e308, 5e-324, 0],
};

const TEXTS = ["", "hello", "héllo wörld", "日本語", "a\u0000b", "\"quoted\"\n"];

/** `n` sample elements of `datatype`. */
export function sampleData<D extends Datatype>(datatype: D, n: number, offset = 0): DataOf[D] {
  if (datatype === "BYTES") {
    return Array.from({ length: n }, (_, i) => new Uint8Array(Buffer.from(TEXTS[(i + offset) % TEXTS.length]!, "utf8"))) as unknown as DataOf[D];
  }
  const edges = EDGES[datatype as Exclude<Datatype, "BYTES">];
  const out = allocate(datatype, n) as unknown as (number | bigint)[];
  for (let i = 0; i < n; i++) out[i] = edges[(i + offset) % edges.length]!;
  return out as unknown as DataOf[D];
}

/** A sample tensor of `datatype` and `shape`. */
export function sampleTensor<D extends Datatype>(name: string, datatype: D, shape: readonly number[], offset = 0): Tensor<D> {
  return { name, datatype, shape, data: sampleData(datatype, elementCount(shape), offset) };
}

/** One sample tensor of each datatype, named after it. */
export function sampleTensors(shape: readonly number[] = [2, 3]): Tensor[] {
  return DATATYPES.map((d, i) => sampleTensor(`in_${d.toLowerCase()}`, d, shape, i));
}

/** Plain arrays of a tensor's elements (bigint for 64-bit, strings for BYTES): for deep equality. */
export function plainData(t: Tensor): unknown[] {
  if (t.datatype === "BYTES") return (t.data as readonly Uint8Array[]).map((e) => Buffer.from(e).toString("hex"));
  return Array.from(t.data as ArrayLike<number | bigint>);
}
