import { Code, RpcError } from "../../../core/index.js";
import type { Datatype } from "../../datatype.js";
import type { Tensor } from "../../tensor.js";
import type { OrtData, OrtModule, OrtTensor, OrtType } from "./runtime.js";

/**
 * ONNX element types and their protocol datatypes. Both sides hold the same typed arrays (FP16 as
 * 16-bit patterns in a Uint16Array, BOOL as one byte per element, INT64 as BigInt64Array), so a
 * tensor crosses without a copy; only text (ONNX `string`, protocol BYTES) is converted.
 * ONNX Runtime's JavaScript API has no bfloat16, 4-bit or complex types: a model using them
 * does not load.
 */
const TO_DATATYPE: Readonly<Partial<Record<OrtType, Datatype>>> = Object.freeze({
  float32: "FP32", float64: "FP64", float16: "FP16",
  int8: "INT8", int16: "INT16", int32: "INT32", int64: "INT64",
  uint8: "UINT8", uint16: "UINT16", uint32: "UINT32", uint64: "UINT64",
  bool: "BOOL", string: "BYTES",
});

const TO_ORT: Readonly<Partial<Record<Datatype, OrtType>>> = Object.freeze(
  Object.fromEntries(Object.entries(TO_DATATYPE).map(([o, d]) => [d, o])) as Partial<Record<Datatype, OrtType>>,
);

/** The protocol datatype of an ONNX element type; undefined for those the protocol cannot carry. */
export function datatypeOf(type: OrtType | undefined): Datatype | undefined {
  return type === undefined ? undefined : TO_DATATYPE[type];
}

/** The ONNX element type of a protocol datatype (BF16 has none). */
export function ortTypeOf(d: Datatype): OrtType | undefined {
  return TO_ORT[d];
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** A protocol tensor as an ONNX Runtime tensor over the same elements (text is decoded as UTF-8). */
export function toOrtTensor(ort: OrtModule, t: Tensor, type: OrtType): OrtTensor {
  return new ort.Tensor(type, type === "string" ? decodeText(t) : (t.data as OrtData), t.shape);
}

function decodeText(t: Tensor): string[] {
  const items = t.data as readonly Uint8Array[];
  const out = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    const bytes = items[i]!;
    // ONNX Runtime for Node.js hands strings to the model as C strings: one would end at a NUL.
    if (bytes.includes(0)) throw new RpcError(Code.InvalidArgument, `input ${t.name} element ${i} holds a NUL byte, which the model's string input cannot carry`);
    try {
      out[i] = utf8.decode(bytes);
    } catch {
      throw new RpcError(Code.InvalidArgument, `input ${t.name} element ${i} is not UTF-8 text, which the model's string input needs`);
    }
  }
  return out;
}

/** An ONNX Runtime output as a protocol tensor, over the same typed array (text is encoded as UTF-8). */
export function fromOrtTensor(name: string, datatype: Datatype, t: OrtTensor): Tensor {
  const data = t.type === "string" ? (t.data as string[]).map((s) => encoder.encode(s)) : t.data;
  return { name, datatype, shape: Array.from(t.dims), data } as Tensor;
}
