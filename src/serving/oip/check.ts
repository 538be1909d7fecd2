import { Code, RpcError, clip } from "../../core/index.js";
import type { ModelConfig, TensorSpec } from "../repository/index.js";
import { arrayOf } from "../datatype.js";
import { checkTensor, type Tensor } from "../tensor.js";
import type { RequestedOutput } from "./types.js";

/**
 * What a request must match before a model runs (Triton's rules): every input of the config, once,
 * with its datatype, and its shape dimension by dimension (-1: any size). A model with
 * `maxBatchSize` > 0 takes a leading batch dimension on every input, the same on all of them,
 * from 1 to `maxBatchSize`. INVALID_ARGUMENT (HTTP 400) naming the first mismatch.
 */
export function checkInputs(config: ModelConfig, inputs: readonly Tensor[]): void {
  const maxBatch = config.maxBatchSize ?? 0;
  const seen = new Set<string>();
  let batch = -1;
  for (const t of inputs) {
    const spec = config.inputs.find((s) => s.name === t.name);
    if (spec === undefined) throw invalid(`model ${config.name} has no input named "${clip(t.name, 64)}"; its inputs are ${names(config.inputs)}`);
    if (seen.has(t.name)) throw invalid(`input ${spec.name} is given twice`);
    seen.add(t.name);
    if (t.datatype !== spec.datatype) throw invalid(`input ${spec.name} of model ${config.name} is ${spec.datatype}, got ${t.datatype}`);
    if (!holdsItsDatatype(t)) throw invalid(`input ${spec.name} is ${t.datatype} but its data is ${kindOf(t.data)}`);
    let dims = t.shape;
    if (maxBatch > 0) {
      const b = t.shape[0];
      if (b === undefined || b < 1 || b > maxBatch) throw invalid(`input ${spec.name} needs a batch size from 1 to ${maxBatch} as its first dimension, got shape [${t.shape.join(",")}]`);
      if (batch !== -1 && b !== batch) throw invalid(`inputs have different batch sizes (${batch} and ${b}); all inputs of one request share it`);
      batch = b;
      dims = t.shape.slice(1);
    }
    if (!shapeFits(spec.shape, dims)) throw invalid(`input ${spec.name} of model ${config.name} has shape [${t.shape.join(",")}]; it takes ${expected(spec, maxBatch)}`);
  }
  const missing = config.inputs.filter((s) => !seen.has(s.name));
  if (missing.length > 0) throw invalid(`model ${config.name} needs input ${names(missing)}`);
}

/** The names of the outputs asked for, checked against the config; undefined: all of them. */
export function checkRequestedOutputs(config: ModelConfig, requested: readonly RequestedOutput[] | undefined): readonly string[] | undefined {
  if (requested === undefined || requested.length === 0) return undefined;
  const out: string[] = [];
  for (const r of requested) {
    if (!config.outputs.some((s) => s.name === r.name)) throw invalid(`model ${config.name} has no output named "${clip(r.name, 64)}"; its outputs are ${names(config.outputs)}`);
    if (out.includes(r.name)) throw invalid(`output ${r.name} is asked for twice`);
    out.push(r.name);
  }
  return out;
}

/**
 * The outputs to answer with, in the order asked (else the config's), from what the model
 * returned. A model that left one out or returned one unlike its config fails with INTERNAL.
 */
export function selectOutputs(config: ModelConfig, wanted: readonly string[] | undefined, produced: readonly Tensor[]): Tensor[] {
  const names = wanted ?? config.outputs.map((s) => s.name);
  return names.map((name) => {
    const t = produced.find((p) => p.name === name);
    if (t === undefined) throw broken(config, `returned no output ${name}`);
    const spec = config.outputs.find((s) => s.name === name)!;
    if (t.datatype !== spec.datatype) throw broken(config, `returned output ${name} as ${t.datatype}; its config says ${spec.datatype}`);
    if (!holdsItsDatatype(t)) throw broken(config, `returned output ${name} of ${t.datatype} with its data in ${kindOf(t.data)}`);
    try {
      checkTensor(t);
    } catch (e) {
      throw broken(config, (e as RpcError).rawMessage);
    }
    return t;
  });
}

/** Whether a tensor's elements are in the array of its datatype (FP32 in a Float32Array, BYTES in an array…). */
function holdsItsDatatype(t: Tensor): boolean {
  return t.datatype === "BYTES" ? Array.isArray(t.data) : t.data instanceof arrayOf(t.datatype);
}

function kindOf(data: unknown): string {
  return Array.isArray(data) ? "an array" : ((data as object | undefined)?.constructor?.name ?? typeof data);
}

function shapeFits(spec: readonly number[], dims: readonly number[]): boolean {
  if (spec.length !== dims.length) return false;
  for (let i = 0; i < spec.length; i++) if (spec[i] !== -1 && spec[i] !== dims[i]) return false;
  return true;
}

function expected(spec: TensorSpec, maxBatch: number): string {
  const dims = spec.shape.join(",");
  return maxBatch > 0 ? `[${["batch", ...spec.shape].join(",")}] (batch 1 to ${maxBatch}; -1: any size)` : `[${dims}] (-1: any size)`;
}

function names(specs: readonly TensorSpec[]): string {
  return specs.map((s) => s.name).join(", ");
}

function invalid(message: string): RpcError {
  return new RpcError(Code.InvalidArgument, message);
}

function broken(config: ModelConfig, what: string): RpcError {
  return new RpcError(Code.Internal, `model ${config.name} ${what}`);
}
