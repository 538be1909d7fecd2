import { Code, RpcError, clip } from "../../core/index.js";
import { toDatatype } from "../datatype.js";
import { checkParameterCount, checkTensorCount, type ResolvedTensorLimits } from "./limits.js";
import { WireReader, WireType, int64Number, malformed } from "./pb.js";
import { checkedCount, tensorFromRaw } from "./raw.js";
import type { ParameterValue, Parameters, Tensor } from "../tensor.js";
import type { ContentsForm, InferRequest, InferResponse, RequestedOutput } from "./types.js";
import { readContents, type Spans } from "./wire-contents.js";
import { readParameterEntry } from "./wire-params.js";

/**
 * Decoding the ModelInfer messages straight to tensors: `ModelInferRequest` -> {@link InferRequest},
 * `ModelInferResponse` -> {@link InferResponse} (encoding: wire-encode.ts). Raw contents become
 * typed-array views of the message (zero copy when aligned); typed contents fill typed arrays
 * straight from the wire. The tensor limits are enforced before anything is allocated.
 * @internal
 */

/** Dimensions of one shape at most (a constant: no real tensor comes near it). */
export const MAX_DIMS = 64;

const REQUEST = "inference.ModelInferRequest";
const RESPONSE = "inference.ModelInferResponse";

/** A tensor as read, before its data is known: raw contents may come after it. */
interface TensorHead {
  name: string;
  datatype: string;
  shape: number[];
  parameters: Record<string, ParameterValue> | undefined;
  contents: Spans | undefined;
}

interface Common {
  modelName: string;
  modelVersion: string;
  id: string;
  parameters: Record<string, ParameterValue> | undefined;
  tensors: TensorHead[];
  raw: Buffer[];
}

export function decodeInferRequest(bytes: Uint8Array, limits: ResolvedTensorLimits): InferRequest {
  const r = new WireReader(bytes, 0, bytes.length, REQUEST);
  const outputs: RequestedOutput[] = [];
  const c = readMessage(r, limits, 7, (tag) => {
    if (tag !== 0x32) return false;
    checkTensorCount(outputs.length + 1, limits, "the request's outputs");
    outputs.push(readRequestedOutput(r, r.delimited(), limits));
    return true;
  });
  const { tensors: inputs, contents } = materialize(r, c, limits, "input");
  const m: Head & { inputs?: Tensor[]; outputs?: RequestedOutput[]; contents?: ContentsForm } = headOf(c);
  m.inputs = inputs;
  m.outputs = outputs;
  m.contents = contents;
  return m as InferRequest;
}

export function decodeInferResponse(bytes: Uint8Array, limits: ResolvedTensorLimits): InferResponse {
  const r = new WireReader(bytes, 0, bytes.length, RESPONSE);
  const c = readMessage(r, limits, 6, () => false);
  const { tensors: outputs, contents } = materialize(r, c, limits, "output");
  const m: Head & { outputs?: Tensor[]; contents?: ContentsForm } = headOf(c);
  m.outputs = outputs;
  m.contents = contents;
  return m as InferResponse;
}

/** Fields 1–5 (shared by both messages), the raw contents at `rawField`, others through `extra`. */
function readMessage(r: WireReader, limits: ResolvedTensorLimits, rawField: number, extra: (tag: number) => boolean): Common {
  const c: Common = { modelName: "", modelVersion: "", id: "", parameters: undefined, tensors: [], raw: [] };
  const rawTag = (rawField << 3) | WireType.Bytes;
  let nParams = 0;
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === 0x0a) c.modelName = r.string();
    else if (tag === 0x12) c.modelVersion = r.string();
    else if (tag === 0x1a) c.id = r.string();
    else if (tag === 0x22) {
      checkParameterCount(++nParams, limits, "the message's parameters");
      readParameterEntry(r, r.delimited(), (c.parameters ??= {}));
    } else if (tag === 0x2a) {
      checkTensorCount(c.tensors.length + 1, limits, "the message's tensors");
      c.tensors.push(readTensorHead(r, r.delimited(), limits));
    } else if (tag === rawTag) {
      checkTensorCount(c.raw.length + 1, limits, "the message's raw contents");
      c.raw.push(r.bytes());
    } else if (!extra(tag)) r.skip(tag);
  }
  return c;
}

function readTensorHead(r: WireReader, end: number, limits: ResolvedTensorLimits): TensorHead {
  const t: TensorHead = { name: "", datatype: "", shape: [], parameters: undefined, contents: undefined };
  let nParams = 0;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) t.name = r.string();
    else if (tag === 0x12) t.datatype = r.string();
    else if (tag === 0x1a) readPackedShape(r, r.delimited(), t.shape);
    else if (tag === 0x18) pushDim(r, t.shape);
    else if (tag === 0x22) {
      checkParameterCount(++nParams, limits, `the parameters of tensor ${clip(t.name, 64)}`);
      readParameterEntry(r, r.delimited(), (t.parameters ??= {}));
    } else if (tag === 0x2a) {
      const e = r.delimited();
      (t.contents ??= []).push(r.pos, e);
      r.pos = e;
    } else r.skip(tag);
  }
  if (r.pos !== end) throw malformed(r.what, "a tensor runs past its field");
  return t;
}

function readPackedShape(r: WireReader, end: number, shape: number[]): void {
  while (r.pos < end) pushDim(r, shape);
  if (r.pos !== end) throw malformed(r.what, "a shape runs past its field");
}

function pushDim(r: WireReader, shape: number[]): void {
  if (shape.length >= MAX_DIMS) throw new RpcError(Code.InvalidArgument, `a tensor shape has more than ${MAX_DIMS} dimensions`);
  r.varint64();
  shape.push(int64Number(r.lo, r.hi));
}

function readRequestedOutput(r: WireReader, end: number, limits: ResolvedTensorLimits): RequestedOutput {
  let name = "";
  let parameters: Record<string, ParameterValue> | undefined;
  let nParams = 0;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) name = r.string();
    else if (tag === 0x12) {
      checkParameterCount(++nParams, limits, `the parameters of output ${clip(name, 64)}`);
      readParameterEntry(r, r.delimited(), (parameters ??= {}));
    } else r.skip(tag);
  }
  return parameters === undefined ? { name } : { name, parameters };
}

/** Tensors from their heads and the raw contents (one per tensor, or none at all). */
function materialize(r: WireReader, c: Common, limits: ResolvedTensorLimits, kind: string): { tensors: Tensor[]; contents: ContentsForm } {
  const heads = c.tensors;
  const useRaw = c.raw.length > 0;
  if (useRaw && c.raw.length !== heads.length) {
    throw new RpcError(Code.InvalidArgument, `the message has ${heads.length} ${kind}s but ${c.raw.length} raw contents; it needs one per ${kind}, in order`);
  }
  let typed = false;
  const tensors = heads.map((h, i): Tensor => {
    const datatype = toDatatype(h.datatype, `datatype of ${kind} ${clip(h.name, 64)}`);
    if (useRaw) {
      if (h.contents !== undefined) throw new RpcError(Code.InvalidArgument, `${kind} ${clip(h.name, 64)} has typed contents in a message with raw contents; use one or the other`);
      return tensorFromRaw(h.name, datatype, h.shape, c.raw[i]!, limits, h.parameters);
    }
    const n = checkedCount(h.name, datatype, h.shape, limits);
    if (h.contents === undefined && n > 0) throw new RpcError(Code.InvalidArgument, `${kind} ${clip(h.name, 64)} has no data: give raw contents or typed contents`);
    typed ||= h.contents !== undefined;
    const data = readContents(r, h.contents ?? [], h.name, datatype, n);
    return h.parameters === undefined ? { name: h.name, datatype, shape: h.shape, data } : { name: h.name, datatype, shape: h.shape, data, parameters: h.parameters };
  });
  return { tensors, contents: typed ? "typed" : "raw" };
}

interface Head { modelName: string; modelVersion?: string; id?: string; parameters?: Parameters }

/** The fields common to both messages, those with a value only (built, never deleted from: objects stay fast). */
function headOf(c: Common): Head {
  const h: Head = { modelName: c.modelName };
  if (c.modelVersion !== "") h.modelVersion = c.modelVersion;
  if (c.id !== "") h.id = c.id;
  if (c.parameters !== undefined) h.parameters = c.parameters;
  return h;
}
