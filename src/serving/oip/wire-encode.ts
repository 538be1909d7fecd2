import { WireType, fieldSize, split, splitNumber, utf8Size, varint64Size, varintSize, writeHeader, writeString, writeVarint64 } from "./pb.js";
import { rawSize, writeRaw } from "./raw.js";
import type { Parameters, Tensor } from "../tensor.js";
import type { InferRequest, InferResponse } from "./types.js";
import { CONTENTS_FIELD, contentsSize, writeContents } from "./wire-contents.js";
import { parametersSize, writeParameters } from "./wire-params.js";

/**
 * Encoding the ModelInfer messages: sizes planned once, then every field written in one pass at
 * a position of the transport's buffer; raw contents from views of the tensors' arrays.
 * @internal
 */

/** Sizes worked out once, then used to write. */
interface Plan {
  /** Per raw contents entry: bytes of padding before it (0: none), and its size. */
  raw: number[];
  /** Per tensor: the tensor message's size, its name, datatype and shape sizes, its contents size (-1: raw). */
  tensors: Float64Array;
}

const PER_TENSOR = 5;

/** Whether every tensor has typed contents (FP16 and BF16 do not). */
function canBeTyped(tensors: readonly Tensor[]): boolean {
  for (const t of tensors) if (CONTENTS_FIELD[t.datatype] === 0) return false;
  return true;
}

function planTensors(tensors: readonly Tensor[], typed: boolean, plan: Plan): number {
  const sizes = plan.tensors;
  let total = 0;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i]!;
    const nameSize = utf8Size(t.name), dtSize = t.datatype.length, shapeSize = shapePayload(t.shape);
    let size = (nameSize > 0 ? fieldSize(nameSize) : 0) + fieldSize(dtSize) + (shapeSize > 0 ? fieldSize(shapeSize) : 0) + parametersSize(t.parameters);
    const contents = typed ? contentsSize(t.datatype, t.data) : -1;
    if (typed) size += fieldSize(contents);
    sizes.set([size, nameSize, dtSize, shapeSize, contents], i * PER_TENSOR);
    total += fieldSize(size);
  }
  return total;
}

function shapePayload(shape: readonly number[]): number {
  let n = 0;
  for (const d of shape) {
    splitNumber(d);
    n += varint64Size(split.lo, split.hi);
  }
  return n;
}

/** Write the tensor messages (field 5), with their typed contents when planned. */
function writeTensors(buf: Buffer, pos: number, tensors: readonly Tensor[], plan: Plan): number {
  const s = plan.tensors;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i]!, o = i * PER_TENSOR;
    pos = writeHeader(buf, pos, 0x2a, s[o]!);
    if (s[o + 1]! > 0) pos = writeString(buf, pos, 0x0a, t.name, s[o + 1]!);
    pos = writeString(buf, pos, 0x12, t.datatype, s[o + 2]!);
    if (s[o + 3]! > 0) {
      pos = writeHeader(buf, pos, 0x1a, s[o + 3]!);
      for (const d of t.shape) {
        splitNumber(d);
        pos = writeVarint64(buf, pos, split.lo, split.hi);
      }
    }
    pos = writeParameters(buf, pos, 0x22, t.parameters);
    if (s[o + 4]! >= 0) pos = writeContents(buf, writeHeader(buf, pos, 0x2a, s[o + 4]!), t.datatype, t.data);
  }
  return pos;
}

/**
 * Unknown field 2047 (bytes, ignored by every parser) is the padding put before a raw contents
 * entry so that its bytes start at a multiple of 8 from the start of the message: a receiver
 * holding the message in an aligned buffer (Weir's transports do for messages that span several
 * chunks) can then read the tensor as a typed-array view, without a copy.
 */
const PAD_TAG = [0xfa, 0x7f]; // (2047 << 3) | 2 as a varint

/** Sizes of the raw contents entries (none when typed) that start `offset` bytes into the message; returns their total. */
function planRaw(tensors: readonly Tensor[], typed: boolean, offset: number, plan: Plan): number {
  if (typed) return 0;
  const start = offset;
  for (const t of tensors) {
    const n = rawSize(t);
    const head = 1 + varintSize(n);
    const need = (8 - ((offset + head) % 8)) % 8;
    const pad = need === 0 ? 0 : need >= 3 ? need : need + 8; // a pad field takes at least 3 bytes
    plan.raw.push(pad, n);
    offset += pad + head + n;
  }
  return offset - start;
}

/** Write the raw contents (field `rawField`), each after its padding, as planned. */
function writeRawContents(buf: Buffer, pos: number, tensors: readonly Tensor[], plan: Plan, rawField: number): number {
  const tag = (rawField << 3) | WireType.Bytes;
  for (let i = 0; i < plan.raw.length / 2; i++) {
    const pad = plan.raw[2 * i]!;
    if (pad > 0) {
      buf[pos] = PAD_TAG[0]!;
      buf[pos + 1] = PAD_TAG[1]!;
      buf[pos + 2] = pad - 3;
      buf.fill(0, pos + 3, pos + pad);
      pos += pad;
    }
    pos = writeRaw(tensors[i]!, buf, writeHeader(buf, pos, tag, plan.raw[2 * i + 1]!));
  }
  return pos;
}

function headSize(m: { modelName: string; modelVersion?: string; id?: string; parameters?: Parameters }): number {
  return stringField(m.modelName) + stringField(m.modelVersion ?? "") + stringField(m.id ?? "") + parametersSize(m.parameters);
}

function stringField(s: string): number {
  return s.length === 0 ? 0 : fieldSize(utf8Size(s));
}

function writeHead(buf: Buffer, pos: number, m: { modelName: string; modelVersion?: string; id?: string; parameters?: Parameters }): number {
  pos = writeOptionalString(buf, pos, 0x0a, m.modelName);
  pos = writeOptionalString(buf, pos, 0x12, m.modelVersion ?? "");
  pos = writeOptionalString(buf, pos, 0x1a, m.id ?? "");
  return writeParameters(buf, pos, 0x22, m.parameters);
}

function writeOptionalString(buf: Buffer, pos: number, tag: number, s: string): number {
  return s.length === 0 ? pos : writeString(buf, pos, tag, s, utf8Size(s));
}

/** What to encode: the size, and a function that writes it at a position of a buffer that has room. */
export interface Encoded {
  readonly size: number;
  write(buf: Buffer, pos: number): number;
}

/**
 * Fields in number order, as protobuf encoders write them: the inputs (5), the requested outputs
 * (6), then the raw contents (7).
 */
export function encodeInferRequest(m: InferRequest): Encoded {
  const typed = m.contents === "typed" && canBeTyped(m.inputs);
  const plan: Plan = { raw: [], tensors: new Float64Array(m.inputs.length * PER_TENSOR) };
  const outputs = m.outputs ?? [];
  const outSizes = outputs.map((o) => stringField(o.name) + parametersSize(o.parameters));
  let size = headSize(m) + planTensors(m.inputs, typed, plan);
  for (const n of outSizes) size += fieldSize(n);
  size += planRaw(m.inputs, typed, size, plan);
  return {
    size,
    write(buf, pos) {
      pos = writeTensors(buf, writeHead(buf, pos, m), m.inputs, plan);
      for (let i = 0; i < outputs.length; i++) {
        pos = writeHeader(buf, pos, 0x32, outSizes[i]!);
        pos = writeOptionalString(buf, pos, 0x0a, outputs[i]!.name);
        pos = writeParameters(buf, pos, 0x12, outputs[i]!.parameters);
      }
      return writeRawContents(buf, pos, m.inputs, plan, 7);
    },
  };
}

export function encodeInferResponse(m: InferResponse): Encoded {
  const typed = m.contents === "typed" && canBeTyped(m.outputs);
  const plan: Plan = { raw: [], tensors: new Float64Array(m.outputs.length * PER_TENSOR) };
  let size = headSize(m) + planTensors(m.outputs, typed, plan);
  size += planRaw(m.outputs, typed, size, plan);
  return { size, write: (buf, pos) => writeRawContents(buf, writeTensors(buf, writeHead(buf, pos, m), m.outputs, plan), m.outputs, plan, 6) };
}
