import { Code, RpcError } from "../../core/index.js";
import { arrayOf, isDatatype, type TensorData } from "../datatype.js";
import type { Parameters, Tensor } from "../tensor.js";

/** Request parameters the batcher reads itself: they do not keep two requests apart. */
export const BATCHER_PARAMETERS: ReadonlySet<string> = new Set(["priority", "timeout", "binary_data_output"]);

/**
 * The rows of a request (its inputs' common first dimension), checked: every input has a batch
 * dimension of the same size, 1..maxBatchSize, and as many elements as its shape says.
 */
export function requestRows(inputs: readonly Tensor[], maxBatchSize: number, model: string): number {
  const bad = (m: string) => new RpcError(Code.InvalidArgument, `model ${model}: ${m}`);
  if (inputs.length === 0) throw bad("a request needs at least one input");
  const rows = inputs[0]!.shape[0];
  for (const t of inputs) {
    if (!isDatatype(t.datatype)) throw bad(`input ${t.name} has an unknown datatype`);
    const n = t.shape[0];
    if (n === undefined || n !== rows) throw bad(`every input needs the same batch dimension first; ${t.name} has shape [${t.shape.join(",")}], ${inputs[0]!.name} ${rows}`);
    if (t.data.length !== n * rowElements(t.shape)) throw bad(`input ${t.name} has ${t.data.length} elements, its shape [${t.shape.join(",")}] needs ${n * rowElements(t.shape)}`);
  }
  if (!Number.isInteger(rows) || rows! < 1 || rows! > maxBatchSize) throw bad(`batch size must be in 1..${maxBatchSize} (maxBatchSize), got ${rows}`);
  return rows!;
}

/** Elements in one row of `shape` (the product of its dimensions after the first). */
export function rowElements(shape: readonly number[]): number {
  let n = 1;
  for (let i = 1; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Bytes a request's inputs hold (each BYTES element counted at its length plus 4). */
export function inputBytes(inputs: readonly Tensor[]): number {
  let n = 0;
  for (const t of inputs) {
    if (t.datatype !== "BYTES") n += (t.data as Exclude<TensorData, readonly Uint8Array[]>).byteLength;
    else for (const e of t.data as readonly Uint8Array[]) n += e.length + 4;
  }
  return n;
}

/**
 * What two requests must share to run in one batch: input names, datatypes, the shape after the
 * batch dimension, and the parameters the model sees. Every part has its length in front, so no
 * choice of names can make two different requests look alike.
 */
export function signatureOf(inputs: readonly Tensor[], parameters: Parameters): string {
  let s = "";
  for (const t of inputs) {
    s += `${t.name.length}:${t.name}${t.datatype}[${t.shape.length}`;
    for (let i = 1; i < t.shape.length; i++) s += `,${t.shape[i]}`;
    s += "]";
  }
  for (const k in parameters) {
    if (BATCHER_PARAMETERS.has(k)) continue;
    const v = String(parameters[k]);
    s += `|${k.length}:${k}${typeof parameters[k]}${v.length}:${v}`;
  }
  return s;
}

/** A request's place in a batch: its inputs and how many rows it brings. */
export interface Member { readonly inputs: readonly Tensor[]; readonly rows: number }

/** The members' inputs joined along dimension 0, one allocation per input (members share a signature). */
export function concatInputs(members: readonly Member[], rows: number): Tensor[] {
  const first = members[0]!.inputs;
  const out: Tensor[] = new Array(first.length);
  for (let i = 0; i < first.length; i++) {
    const t = first[i]!;
    const shape = t.shape.slice();
    shape[0] = rows;
    const length = rows * rowElements(t.shape);
    let data: TensorData;
    if (t.datatype === "BYTES") {
      const all: Uint8Array[] = new Array(length);
      let at = 0;
      for (const m of members) for (const e of m.inputs[i]!.data as readonly Uint8Array[]) all[at++] = e;
      data = all;
    } else {
      const all = new (arrayOf(t.datatype))(length) as Uint8Array;
      let at = 0;
      for (const m of members) {
        const part = m.inputs[i]!.data as Uint8Array;
        all.set(part, at);
        at += part.length;
      }
      data = all;
    }
    out[i] = { name: t.name, datatype: t.datatype, shape, data } as Tensor;
  }
  return out;
}

/**
 * Rows `from` to `from + rows` of each output (checked by `checkOutputs`), as views (no copy),
 * keeping only the names in `keep` when given.
 */
export function sliceOutputs(outputs: readonly Tensor[], from: number, rows: number, keep: readonly string[] | undefined): Tensor[] {
  const out: Tensor[] = [];
  for (const t of outputs) {
    if (keep !== undefined && !keep.includes(t.name)) continue;
    const per = rowElements(t.shape);
    const shape = t.shape.slice();
    shape[0] = rows;
    const data = t.datatype === "BYTES"
      ? (t.data as readonly Uint8Array[]).slice(from * per, (from + rows) * per)
      : (t.data as Uint8Array).subarray(from * per, (from + rows) * per);
    out.push((t.parameters === undefined ? { name: t.name, datatype: t.datatype, shape, data } : { name: t.name, datatype: t.datatype, shape, data, parameters: t.parameters }) as Tensor);
  }
  return out;
}

/** INTERNAL unless every output has `total` rows and as many elements as its shape says. */
export function checkOutputs(outputs: readonly Tensor[], total: number, model: string): void {
  if (!Array.isArray(outputs)) throw new RpcError(Code.Internal, `model ${model} returned no list of outputs`);
  for (const t of outputs) {
    if (t.shape[0] !== total || t.data.length !== total * rowElements(t.shape)) {
      throw new RpcError(Code.Internal, `model ${model} returned output ${t.name} of shape [${t.shape.join(",")}] with ${t.data.length} elements for a batch of ${total}`);
    }
  }
}
