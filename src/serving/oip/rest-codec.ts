import { Code, RpcError, clip, describeValue } from "../../core/index.js";
import { parseJson } from "../../gateway/json-input.js";
import { toDatatype } from "../datatype.js";
import { INEXACT_INTEGER, dataFromJson, dataToJson, quoteLongIntegers } from "./json-tensor.js";
import { checkParameterCount, checkTensorCount, type ResolvedTensorLimits } from "./limits.js";
import { checkedCount, rawOf, tensorFromRaw } from "./raw.js";
import type { ParameterValue, Parameters, Tensor } from "../tensor.js";
import type { InferRequest, InferResponse, RequestedOutput } from "./types.js";
import { MAX_DIMS } from "./wire.js";

/**
 * REST inference bodies: `$inference_request` JSON, optionally followed by binary tensors
 * (Triton's binary tensor extension: `Inference-Header-Content-Length` gives the JSON's length,
 * inputs with `binary_data_size` take their bytes from what follows, in order), and the response
 * JSON, with the outputs asked for as binary (`binary_data` on an output, `binary_data_output`
 * on the request) after it.
 */

/** The name of the request and response header carrying the JSON's length. */
export const HEADER_LENGTH = "inference-header-content-length";

/** Where a request is going: the model and version in the URL. */
export interface RestTarget {
  readonly modelName: string;
  readonly modelVersion?: string;
}

/**
 * Decode a request body: the JSON header (all of it when `headerLength` is undefined) and the
 * binary tensors after it. INVALID_ARGUMENT for bad JSON, a header length past the body, binary
 * sizes that do not add up, and any tensor that does not match its shape.
 */
export function decodeRestRequest(body: Buffer, headerLength: number | undefined, target: RestTarget, limits: ResolvedTensorLimits, maxJsonDepth: number): InferRequest {
  const jsonEnd = headerLength ?? body.length;
  if (jsonEnd > body.length) throw invalid(`Inference-Header-Content-Length is ${jsonEnd} but the body has ${body.length} bytes`);
  return exactly(body.toString("utf8", 0, jsonEnd), maxJsonDepth, "the inference request", (o) => requestFromJson(o, body, headerLength, target, limits));
}

/**
 * Decode JSON text with `decode`; when it meets a 64-bit integer past 2^53 (which JSON.parse
 * rounds), parse again with the long integer literals quoted, so that their digits survive.
 */
function exactly<T>(text: string, maxJsonDepth: number, what: string, decode: (o: Record<string, unknown>) => T): T {
  try {
    return decode(object(parseJson(text, maxJsonDepth, `${what} JSON`), what));
  } catch (e) {
    if (e !== INEXACT_INTEGER) throw e;
  }
  try {
    return decode(object(parseJson(quoteLongIntegers(text), maxJsonDepth, `${what} JSON`), what));
  } catch (e) {
    if (e !== INEXACT_INTEGER) throw e;
    throw invalid(`a 64-bit integer of ${what} is past 2^53 and not written as plain digits (an exponent?); write its digits, or a string of them`);
  }
}

function requestFromJson(o: Record<string, unknown>, body: Buffer, headerLength: number | undefined, target: RestTarget, limits: ResolvedTensorLimits): InferRequest {
  const jsonEnd = headerLength ?? body.length;
  const id = o["id"];
  if (id !== undefined && typeof id !== "string") throw invalid(`id must be a string, got ${describeValue(id)}`);
  const binary = { body, pos: jsonEnd, header: headerLength !== undefined };
  const inputs = list(o["inputs"], "inputs", limits).map((v, i) => tensorFromJson(v, "input", i, binary, limits));
  checkBinaryEnd(binary, jsonEnd, "inputs");
  const outputs = o["outputs"] === undefined ? undefined : list(o["outputs"], "outputs", limits).map((v, i) => requestedOutput(v, i, limits));
  const parameters = parametersOf(o["parameters"], "the request's parameters", limits);
  const request: InferRequest = { ...target, inputs };
  return Object.assign(request, id === undefined ? {} : { id }, parameters === undefined ? {} : { parameters }, outputs === undefined ? {} : { outputs });
}

/**
 * Decode a response body (the client's side): the JSON, and the binary outputs after it when
 * `headerLength` is given.
 */
export function decodeRestResponse(body: Buffer, headerLength: number | undefined, limits: ResolvedTensorLimits, maxJsonDepth: number): InferResponse {
  const jsonEnd = headerLength ?? body.length;
  if (jsonEnd > body.length) throw invalid(`Inference-Header-Content-Length is ${jsonEnd} but the body has ${body.length} bytes`);
  return exactly(body.toString("utf8", 0, jsonEnd), maxJsonDepth, "the inference response", (o) => responseFromJson(o, body, headerLength, limits));
}

function responseFromJson(o: Record<string, unknown>, body: Buffer, headerLength: number | undefined, limits: ResolvedTensorLimits): InferResponse {
  const jsonEnd = headerLength ?? body.length;
  const binary = { body, pos: jsonEnd, header: headerLength !== undefined };
  const outputs = list(o["outputs"], "outputs", limits).map((v, i) => tensorFromJson(v, "output", i, binary, limits));
  checkBinaryEnd(binary, jsonEnd, "outputs");
  const response: InferResponse = { modelName: String(o["model_name"] ?? ""), outputs };
  const parameters = parametersOf(o["parameters"], "the response's parameters", limits);
  if (typeof o["model_version"] === "string") Object.assign(response, { modelVersion: o["model_version"] });
  if (typeof o["id"] === "string") Object.assign(response, { id: o["id"] });
  return parameters === undefined ? response : Object.assign(response, { parameters });
}

interface BinaryCursor { readonly body: Buffer; pos: number; readonly header: boolean }

function checkBinaryEnd(binary: BinaryCursor, jsonEnd: number, what: string): void {
  if (binary.pos !== binary.body.length) {
    throw invalid(`the body has ${binary.body.length - jsonEnd} bytes of binary data but the ${what}' binary_data_size add up to ${binary.pos - jsonEnd}`);
  }
}

/** A tensor of a request (`input`) or a response (`output`): its elements in `data`, or its `binary_data_size` bytes of binary data. */
function tensorFromJson(v: unknown, kind: "input" | "output", index: number, binary: BinaryCursor, limits: ResolvedTensorLimits): Tensor {
  const o = object(v, `${kind} ${index}`);
  const name = o["name"];
  if (typeof name !== "string" || name === "") throw invalid(`${kind} ${index} needs a name`);
  const what = `${kind} ${clip(name, 64)}`;
  if (typeof o["datatype"] !== "string") throw invalid(`${what} needs a datatype`);
  const datatype = toDatatype(o["datatype"], `datatype of ${what}`);
  const shape = shapeOf(o["shape"], what);
  const all = parametersOf(o["parameters"], `the parameters of ${what}`, limits);
  const size = all?.["binary_data_size"];
  const parameters = withoutKey(all, "binary_data_size");
  if (size === undefined) {
    const n = checkedCount(name, datatype, shape, limits);
    const data = dataFromJson(what, datatype, n, o["data"]);
    return parameters === undefined ? { name, datatype, shape, data } : { name, datatype, shape, data, parameters };
  }
  if (!binary.header) throw invalid(`${what} has binary_data_size but the message has no Inference-Header-Content-Length header`);
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw invalid(`binary_data_size of ${what} must be a whole number of bytes, got ${describeValue(size)}`);
  if (o["data"] !== undefined) throw invalid(`${what} has both data and binary_data_size`);
  if (binary.pos + size > binary.body.length) throw invalid(`binary_data_size of ${what} is ${size} bytes, past the end of the body (${binary.body.length - binary.pos} bytes left)`);
  const bytes = binary.body.subarray(binary.pos, binary.pos + size);
  binary.pos += size;
  return tensorFromRaw(name, datatype, shape, bytes, limits, parameters);
}

function requestedOutput(v: unknown, index: number, limits: ResolvedTensorLimits): RequestedOutput {
  const o = object(v, `output ${index}`);
  const name = o["name"];
  if (typeof name !== "string" || name === "") throw invalid(`output ${index} needs a name`);
  const parameters = parametersOf(o["parameters"], `the parameters of output ${clip(name, 64)}`, limits);
  return parameters === undefined ? { name } : { name, parameters };
}

function shapeOf(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw invalid(`${what} needs a shape (an array of dimensions)`);
  if (v.length > MAX_DIMS) throw invalid(`the shape of ${what} has more than ${MAX_DIMS} dimensions`);
  for (const d of v) if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) throw invalid(`the shape of ${what} has a bad dimension: ${describeValue(d)}`);
  return v as number[];
}

function parametersOf(v: unknown, what: string, limits: ResolvedTensorLimits): Parameters | undefined {
  if (v === undefined || v === null) return undefined;
  const o = object(v, what);
  const keys = Object.keys(o);
  checkParameterCount(keys.length, limits, what);
  const out: Record<string, ParameterValue> = {};
  for (const k of keys) {
    const p = o[k];
    if (typeof p !== "string" && typeof p !== "number" && typeof p !== "boolean") throw invalid(`${what}: ${clip(k, 64)} must be a string, number or boolean, got ${describeValue(p)}`);
    if (k !== "__proto__") out[k] = p;
  }
  return out;
}

function withoutKey(p: Parameters | undefined, key: string): Parameters | undefined {
  if (p === undefined || !(key in p)) return p;
  const { [key]: _, ...rest } = p;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

function list(v: unknown, what: string, limits: ResolvedTensorLimits): unknown[] {
  if (!Array.isArray(v)) throw invalid(`${what} must be an array, got ${describeValue(v)}`);
  checkTensorCount(v.length, limits, `the request's ${what}`);
  return v;
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid(`${what} must be a JSON object, got ${describeValue(v)}`);
  return v as Record<string, unknown>;
}

function invalid(message: string): RpcError {
  return new RpcError(Code.InvalidArgument, message);
}

/** A body: the JSON, and when tensors are binary, their bytes to send after it. */
export interface RestBody {
  /** The JSON text; with binary outputs, padded with spaces to a multiple of 8 bytes, so that the binary data after it starts aligned. */
  readonly json: Buffer;
  /** The binary outputs' bytes, in order (views of the tensors where possible). */
  readonly binary: readonly Uint8Array[];
  /** Bytes in all. */
  readonly size: number;
}

/** Whether an output goes as binary: its own `binary_data`, else the request's `binary_data_output`. */
function isBinary(name: string, request: InferRequest): boolean {
  const own = request.outputs?.find((o) => o.name === name)?.parameters?.["binary_data"];
  if (typeof own === "boolean") return own;
  return request.parameters?.["binary_data_output"] === true;
}

/** Encode a response as `$inference_response` JSON, binary outputs after it. */
export function encodeRestResponse(response: InferResponse, request: InferRequest): RestBody {
  const binary: Uint8Array[] = [];
  const outputs = response.outputs.map((t) => {
    let s = `{"name":${JSON.stringify(t.name)},"datatype":"${t.datatype}","shape":[${t.shape.join(",")}]`;
    if (isBinary(t.name, request)) {
      const bytes = rawOf(t);
      binary.push(bytes);
      return `${s},"parameters":${parametersJson({ ...t.parameters, binary_data_size: bytes.length })}}`;
    }
    if (t.parameters !== undefined) s += `,"parameters":${parametersJson(t.parameters)}`;
    return `${s},"data":${dataToJson(t.name, t.datatype, t.data)}}`;
  });
  let head = `{"model_name":${JSON.stringify(response.modelName)}`;
  if (response.modelVersion !== undefined) head += `,"model_version":${JSON.stringify(response.modelVersion)}`;
  if (response.id !== undefined) head += `,"id":${JSON.stringify(response.id)}`;
  if (response.parameters !== undefined) head += `,"parameters":${parametersJson(response.parameters)}`;
  let text = `${head},"outputs":[${outputs.join(",")}]}`;
  if (binary.length > 0) {
    const pad = (8 - (Buffer.byteLength(text) % 8)) % 8;
    if (pad > 0) text += " ".repeat(pad);
  }
  const json = Buffer.from(text, "utf8");
  let size = json.length;
  for (const b of binary) size += b.length;
  return { json, binary, size };
}

/** A request body: JSON, or JSON then binary inputs (`binary`: every input as binary data, every output asked for as binary). */
export function encodeRestRequest(request: InferRequest, binary: boolean): RestBody {
  const raws: Uint8Array[] = [];
  const inputs = request.inputs.map((t) => {
    const s = `{"name":${JSON.stringify(t.name)},"datatype":"${t.datatype}","shape":[${t.shape.join(",")}]`;
    if (!binary) return `${s}${t.parameters === undefined ? "" : `,"parameters":${parametersJson(t.parameters)}`},"data":${dataToJson(t.name, t.datatype, t.data)}}`;
    const bytes = rawOf(t);
    raws.push(bytes);
    return `${s},"parameters":${parametersJson({ ...t.parameters, binary_data_size: bytes.length })}}`;
  });
  const outputs = request.outputs?.map((o) => {
    const parameters = binary ? { ...o.parameters, binary_data: true } : o.parameters;
    return `{"name":${JSON.stringify(o.name)}${parameters === undefined ? "" : `,"parameters":${parametersJson(parameters)}`}}`;
  });
  const wantsAllBinary = binary && (outputs === undefined || outputs.length === 0);
  const parameters = wantsAllBinary ? { ...request.parameters, binary_data_output: true } : request.parameters;
  let text = "{";
  if (request.id !== undefined) text += `"id":${JSON.stringify(request.id)},`;
  if (parameters !== undefined) text += `"parameters":${parametersJson(parameters)},`;
  text += `"inputs":[${inputs.join(",")}]`;
  if (outputs !== undefined && outputs.length > 0) text += `,"outputs":[${outputs.join(",")}]`;
  const json = Buffer.from(`${text}}`, "utf8");
  let size = json.length;
  for (const b of raws) size += b.length;
  return { json, binary: raws, size };
}

/** Parameters as JSON; a bigint is written as its exact digits. */
export function parametersJson(p: Parameters): string {
  const parts: string[] = [];
  for (const k in p) {
    const v = p[k]!;
    parts.push(`${JSON.stringify(k)}:${typeof v === "bigint" ? v.toString() : JSON.stringify(v)}`);
  }
  return `{${parts.join(",")}}`;
}
