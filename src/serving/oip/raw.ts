import { Code, RpcError, clip } from "../../core/index.js";
import { arrayOf, elementSize, type Datatype, type TensorData } from "../datatype.js";
import type { ResolvedTensorLimits } from "./limits.js";
import { elementCount, type Parameters, type Tensor } from "../tensor.js";

/**
 * The raw tensor layout of the protocol (gRPC `raw_*_contents`, REST binary data): elements
 * little-endian, row-major, no padding; a BYTES element is a 4-byte little-endian length followed
 * by its bytes. Decoding hands out typed-array views of the input when its offset suits the
 * element size and the platform is little-endian, and copies otherwise.
 */

/** Whether this platform stores numbers little-endian, as the wire does. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Elements a shape holds, after the limits: INVALID_ARGUMENT for a bad or too large shape. */
export function checkedCount(name: string, datatype: Datatype, shape: readonly number[], limits: ResolvedTensorLimits): number {
  const size = elementSize(datatype);
  const maxElements = size === 0 ? limits.maxBytesElements : Math.floor(limits.maxTensorBytes / size);
  // The limit in elements: past it the shape is refused before anything is allocated for it.
  return elementCount(shape, maxElements, `tensor ${clip(name, 64)}`);
}

/**
 * A tensor from its raw bytes; INVALID_ARGUMENT when they do not hold exactly what the shape and
 * datatype say. Fixed-size elements are a view of `bytes` when aligned (zero copy).
 */
export function tensorFromRaw(name: string, datatype: Datatype, shape: readonly number[], bytes: Uint8Array, limits: ResolvedTensorLimits, parameters?: Parameters): Tensor {
  const n = checkedCount(name, datatype, shape, limits);
  const data = datatype === "BYTES" ? splitBytes(name, bytes, n, limits) : fixedFromRaw(name, datatype, shape, n, bytes);
  return parameters === undefined ? { name, datatype, shape, data } : { name, datatype, shape, data, parameters };
}

function fixedFromRaw(name: string, datatype: Exclude<Datatype, "BYTES">, shape: readonly number[], n: number, bytes: Uint8Array): TensorData {
  const size = elementSize(datatype);
  if (bytes.length !== n * size) {
    throw new RpcError(Code.InvalidArgument, `raw contents of tensor ${clip(name, 64)} have ${bytes.length} bytes; shape [${shape.join(",")}] of ${datatype} needs ${n * size}`);
  }
  return typedView(datatype, bytes, n);
}

/** `n` elements of `datatype` over `bytes` (which hold exactly them): a view when possible, else a copy. */
export function typedView(datatype: Exclude<Datatype, "BYTES">, bytes: Uint8Array, n: number): TensorData {
  const Array = arrayOf(datatype);
  const size = Array.BYTES_PER_ELEMENT;
  if (LITTLE_ENDIAN && bytes.byteOffset % size === 0) return new Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Array(n) as Exclude<TensorData, readonly Uint8Array[]>;
  const target = new Uint8Array(out.buffer, 0, n * size);
  target.set(bytes);
  if (!LITTLE_ENDIAN) swapBytes(target, size);
  return out;
}

/** Reverse the bytes of each `size`-byte element in place (little- <-> big-endian). */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** Cut length-prefixed BYTES elements: views of `bytes`, exactly `n` of them and nothing after. */
export function splitBytes(name: string, bytes: Uint8Array, n: number, limits: ResolvedTensorLimits): Uint8Array[] {
  const out: Uint8Array[] = new Array(n);
  const end = bytes.length;
  let p = 0;
  for (let i = 0; i < n; i++) {
    if (p + 4 > end) throw new RpcError(Code.InvalidArgument, `raw contents of BYTES tensor ${clip(name, 64)} end before element ${i} of ${n} (no room for its 4-byte length)`);
    const len = (bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)) >>> 0;
    p += 4;
    if (len > end - p) throw new RpcError(Code.InvalidArgument, `BYTES element ${i} of tensor ${clip(name, 64)} has a length prefix of ${len} bytes, past the end of its contents (${end - p} bytes left)`);
    out[i] = bytes.subarray(p, p + len);
    p += len;
  }
  if (p !== end) throw new RpcError(Code.InvalidArgument, `raw contents of BYTES tensor ${clip(name, 64)} have ${end - p} bytes after its ${n} elements`);
  if (end - 4 * n > limits.maxTensorBytes) throw new RpcError(Code.InvalidArgument, `BYTES tensor ${clip(name, 64)} has ${end - 4 * n} bytes, over the limit of ${limits.maxTensorBytes}`);
  return out;
}

/** Bytes of a tensor's raw form. */
export function rawSize(t: Tensor): number {
  if (t.datatype !== "BYTES") return (t.data as Exclude<TensorData, readonly Uint8Array[]>).byteLength;
  const items = t.data as readonly Uint8Array[];
  let n = 4 * items.length;
  for (let i = 0; i < items.length; i++) n += items[i]!.length;
  return n;
}

/**
 * A tensor's raw form: a view of its elements (little-endian platforms) or, for BYTES and on
 * big-endian platforms, a new buffer.
 */
export function rawOf(t: Tensor): Uint8Array {
  if (t.datatype !== "BYTES" && LITTLE_ENDIAN) {
    const d = t.data as Exclude<TensorData, readonly Uint8Array[]>;
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  const out = Buffer.allocUnsafe(rawSize(t));
  writeRaw(t, out, 0);
  return out;
}

/** Write a tensor's raw form at `pos` of `buf` (which has room: see `rawSize`); returns the end. */
export function writeRaw(t: Tensor, buf: Buffer, pos: number): number {
  if (t.datatype === "BYTES") {
    for (const e of t.data as readonly Uint8Array[]) {
      pos = buf.writeUInt32LE(e.length, pos);
      buf.set(e, pos);
      pos += e.length;
    }
    return pos;
  }
  const d = t.data as Exclude<TensorData, readonly Uint8Array[]>;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  buf.set(bytes, pos);
  if (!LITTLE_ENDIAN) swapBytes(buf.subarray(pos, pos + bytes.length), d.BYTES_PER_ELEMENT);
  return pos + bytes.length;
}
