import { Code, RpcError, clip } from "../../core/index.js";
import { allocate, type Datatype, type TensorData } from "../datatype.js";
import { WireReader, WireType, fieldSize, int32Size, malformed, varint64Size, varintSize, writeHeader, writeInt32, writeVarint, writeVarint64 } from "./pb.js";
import { LITTLE_ENDIAN, typedView } from "./raw.js";

/**
 * `InferTensorContents` on the wire: one repeated field per kind of element, packed or not (a
 * parser must take both). Decoding fills a typed array of the tensor's datatype straight from the
 * wire (64-bit integers through their 32-bit halves: no BigInt per element); packed FP32 and FP64
 * are already the raw layout, so they become a view when aligned. FP16 and BF16 have no field.
 * @internal
 */

const FIELD_NAMES = ["", "bool_contents", "int_contents", "int64_contents", "uint_contents", "uint64_contents", "fp32_contents", "fp64_contents", "bytes_contents"];

/** The contents field of each datatype (0: none, raw only). */
export const CONTENTS_FIELD: Readonly<Record<Datatype, number>> = Object.freeze({
  BOOL: 1, INT8: 2, INT16: 2, INT32: 2, INT64: 3, UINT8: 4, UINT16: 4, UINT32: 4, UINT64: 5, FP32: 6, FP64: 7, BYTES: 8, FP16: 0, BF16: 0,
});

/** The wire type of one unpacked element of each field. */
const ELEMENT_WIRE = [0, WireType.Varint, WireType.Varint, WireType.Varint, WireType.Varint, WireType.Varint, WireType.Fixed32, WireType.Fixed64, WireType.Bytes];

/** Allowed values of the narrow integer types, checked on decode. */
const RANGES: Partial<Record<Datatype, readonly [number, number]>> = {
  INT8: [-128, 127], INT16: [-32768, 32767], UINT8: [0, 255], UINT16: [0, 65535],
};

/** Where one tensor's `contents` lie: the spans of each occurrence of the field (they merge). */
export type Spans = number[];

/**
 * The elements of a tensor from its `contents` spans ([start, end, start, end, …] of `r.buf`):
 * exactly `n` of them, in the field of its datatype. INVALID_ARGUMENT otherwise.
 */
export function readContents(r: WireReader, spans: Spans, name: string, datatype: Datatype, n: number): TensorData {
  const field = CONTENTS_FIELD[datatype];
  if (field === 0) throw new RpcError(Code.InvalidArgument, `tensor ${clip(name, 64)} is ${datatype}, which has no typed contents: send it as raw contents`);
  const count = countElements(r, spans, name, datatype, field);
  if (count !== n) throw new RpcError(Code.InvalidArgument, `tensor ${clip(name, 64)} has ${count} elements in ${FIELD_NAMES[field]}; its shape needs ${n}`);
  if (datatype === "BYTES") return collectBytes(r, spans, n);
  if (field === 6 || field === 7) return floats(r, spans, datatype as "FP32" | "FP64", n);
  return integers(r, spans, name, datatype, n);
}

/** Elements in the datatype's field; INVALID_ARGUMENT when another field holds any. */
function countElements(r: WireReader, spans: Spans, name: string, datatype: Datatype, field: number): number {
  let count = 0;
  forEachField(r, spans, (f, tag, end) => {
    const packed = (tag & 7) === WireType.Bytes && f !== 8;
    let k = 1;
    if (packed) k = f === 6 ? packedFixed(r, end, 4) : f === 7 ? packedFixed(r, end, 8) : packedVarints(r, end);
    else if ((tag & 7) !== ELEMENT_WIRE[f]) throw malformed(r.what, `${FIELD_NAMES[f]} has wire type ${tag & 7}`);
    if (f !== field && k > 0) throw new RpcError(Code.InvalidArgument, `tensor ${clip(name, 64)} is ${datatype} but its contents hold ${FIELD_NAMES[f]}; use ${FIELD_NAMES[field]}`);
    count += k;
    if (f === field && count > 0x7fffffff) throw new RpcError(Code.InvalidArgument, `tensor ${clip(name, 64)} has too many elements`);
    r.pos = end;
  });
  return count;
}

/**
 * Call `fn(field, tag, end)` for each field 1–8 in the spans, with `r.pos` at its value and `end`
 * where it ends (for a varint or fixed value, after it); other fields are skipped.
 */
function forEachField(r: WireReader, spans: Spans, fn: (field: number, tag: number, end: number) => void): void {
  for (let s = 0; s < spans.length; s += 2) {
    r.pos = spans[s]!;
    const spanEnd = spans[s + 1]!;
    while (r.pos < spanEnd) {
      const tag = r.tag();
      const f = tag >>> 3;
      if (f < 1 || f > 8) {
        r.skip(tag);
        continue;
      }
      const start = (tag & 7) === WireType.Bytes ? r.delimited() : -1;
      const valueStart = r.pos;
      if (start === -1) r.skip(tag);
      const end = start === -1 ? r.pos : start;
      if (start === -1) r.pos = valueStart;
      fn(f, tag, end);
    }
  }
}

function packedFixed(r: WireReader, end: number, size: number): number {
  const len = end - r.pos;
  if (len % size !== 0) throw malformed(r.what, `a packed field of ${len} bytes is not a whole number of ${size}-byte values`);
  return len / size;
}

function packedVarints(r: WireReader, end: number): number {
  const b = r.buf;
  let k = 0;
  for (let p = r.pos; p < end; p++) if (b[p]! < 0x80) k++;
  if (end > r.pos && b[end - 1]! >= 0x80) throw malformed(r.what, "a packed varint runs past the end of its field");
  return k;
}

function collectBytes(r: WireReader, spans: Spans, n: number): Uint8Array[] {
  const out: Uint8Array[] = new Array(n);
  let i = 0;
  forEachField(r, spans, (f, _tag, end) => {
    if (f === 8) out[i++] = r.buf.subarray(r.pos, end);
    r.pos = end;
  });
  return out;
}

function floats(r: WireReader, spans: Spans, datatype: "FP32" | "FP64", n: number): TensorData {
  const size = datatype === "FP32" ? 4 : 8;
  let only: Buffer | undefined, pieces = 0;
  forEachField(r, spans, (_f, tag, end) => {
    if ((tag & 7) === WireType.Bytes && end > r.pos) {
      only = r.buf.subarray(r.pos, end);
      pieces++;
    } else if ((tag & 7) !== WireType.Bytes) pieces = 2; // unpacked elements
    r.pos = end;
  });
  if (pieces === 1 && only!.length === n * size) return typedView(datatype, only!, n); // the common case: one packed field
  const out = allocate(datatype, n) as Float32Array | Float64Array;
  let i = 0;
  forEachField(r, spans, (_f, tag, end) => {
    if ((tag & 7) !== WireType.Bytes) out[i++] = size === 4 ? r.float() : r.double();
    else for (; r.pos < end; ) out[i++] = size === 4 ? r.float() : r.double();
    r.pos = end;
  });
  return out;
}

function integers(r: WireReader, spans: Spans, name: string, datatype: Datatype, n: number): TensorData {
  const out = allocate(datatype, n) as Exclude<TensorData, readonly Uint8Array[]>;
  const wide = datatype === "INT64" || datatype === "UINT64";
  const halves = wide ? new Uint32Array(out.buffer, out.byteOffset, 2 * n) : undefined;
  const range = RANGES[datatype];
  const isBool = datatype === "BOOL";
  const narrow = out as Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
  let i = 0;
  forEachField(r, spans, (_f, _tag, end) => {
    while (r.pos < end) {
      r.varint64();
      if (halves !== undefined) {
        halves[LITTLE_ENDIAN ? 2 * i : 2 * i + 1] = r.lo;
        halves[LITTLE_ENDIAN ? 2 * i + 1 : 2 * i] = r.hi;
      } else if (isBool) {
        narrow[i] = r.lo !== 0 || r.hi !== 0 ? 1 : 0;
      } else {
        const v = datatype === "INT32" || datatype === "INT8" || datatype === "INT16" ? r.lo | 0 : r.lo;
        if (range !== undefined && (v < range[0] || v > range[1])) {
          throw new RpcError(Code.InvalidArgument, `element ${i} of tensor ${clip(name, 64)} is ${v}, out of the range of ${datatype}`);
        }
        narrow[i] = v;
      }
      i++;
    }
  });
  return out;
}

/** Bytes of the `contents` message of `data` (of `datatype`, which has a field). */
export function contentsSize(datatype: Datatype, data: TensorData): number {
  const field = CONTENTS_FIELD[datatype];
  if (field === 8) {
    let n = 0;
    for (const e of data as readonly Uint8Array[]) n += fieldSize(e.length);
    return n;
  }
  const payload = packedSize(datatype, data as Exclude<TensorData, readonly Uint8Array[]>);
  return payload === 0 ? 0 : fieldSize(payload);
}

function packedSize(datatype: Datatype, data: Exclude<TensorData, readonly Uint8Array[]>): number {
  const n = data.length;
  switch (CONTENTS_FIELD[datatype]) {
    case 1: return n;
    case 6: case 7: return data.byteLength;
    case 2: {
      let s = 0;
      for (let i = 0; i < n; i++) s += int32Size(data[i] as number);
      return s;
    }
    case 4: {
      let s = 0;
      for (let i = 0; i < n; i++) s += varintSize(data[i] as number);
      return s;
    }
    default: { // 3, 5: 64-bit
      const h = new Uint32Array(data.buffer, data.byteOffset, 2 * n);
      let s = 0;
      for (let i = 0; i < n; i++) s += LITTLE_ENDIAN ? varint64Size(h[2 * i]!, h[2 * i + 1]!) : varint64Size(h[2 * i + 1]!, h[2 * i]!);
      return s;
    }
  }
}

/** Write the `contents` message's fields (its size: `contentsSize`) at `pos`; returns the end. */
export function writeContents(buf: Buffer, pos: number, datatype: Datatype, data: TensorData): number {
  const field = CONTENTS_FIELD[datatype];
  const tag = (field << 3) | WireType.Bytes;
  if (field === 8) {
    for (const e of data as readonly Uint8Array[]) {
      pos = writeHeader(buf, pos, tag, e.length);
      buf.set(e, pos);
      pos += e.length;
    }
    return pos;
  }
  const d = data as Exclude<TensorData, readonly Uint8Array[]>;
  const payload = packedSize(datatype, d);
  if (payload === 0) return pos;
  pos = writeHeader(buf, pos, tag, payload);
  const n = d.length;
  switch (field) {
    case 1: for (let i = 0; i < n; i++) buf[pos++] = d[i] ? 1 : 0; return pos;
    case 2: for (let i = 0; i < n; i++) pos = writeInt32(buf, pos, d[i] as number); return pos;
    case 4: for (let i = 0; i < n; i++) pos = writeVarint(buf, pos, d[i] as number); return pos;
    case 6: case 7:
      buf.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
      if (!LITTLE_ENDIAN) swapInPlace(buf, pos, d);
      return pos + d.byteLength;
    default: {
      const h = new Uint32Array(d.buffer, d.byteOffset, 2 * n);
      for (let i = 0; i < n; i++) pos = LITTLE_ENDIAN ? writeVarint64(buf, pos, h[2 * i]!, h[2 * i + 1]!) : writeVarint64(buf, pos, h[2 * i + 1]!, h[2 * i]!);
      return pos;
    }
  }
}

function swapInPlace(buf: Buffer, pos: number, d: Exclude<TensorData, readonly Uint8Array[]>): void {
  const size = d.BYTES_PER_ELEMENT;
  for (let i = pos; i < pos + d.byteLength; i += size) buf.subarray(i, i + size).reverse();
}
