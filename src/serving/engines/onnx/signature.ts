import { Code, RpcError } from "../../../core/index.js";
import type { Datatype } from "../../datatype.js";
import type { TensorSpec } from "../../model.js";
import type { OrtSession, OrtType, OrtValueMetadata } from "./runtime.js";
import { datatypeOf } from "./tensors.js";
import { DEFAULT_ONNX_MAX_BATCH_SIZE, type OnnxModelOptions } from "./options.js";

/** An input or output as the model file declares it: every dimension, -1 where free. */
export interface Port {
  readonly name: string;
  readonly datatype: Datatype;
  readonly ortType: OrtType;
  /** All dimensions, the batch one included; -1 for a dimension of any size. */
  readonly dims: readonly number[];
  /** The name of each free dimension ("" for fixed or unnamed ones): equal names, equal sizes. */
  readonly symbols: readonly string[];
}

/** What a model file takes and gives, and how it batches. */
export interface Signature {
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];
  /** 0 = no batch dimension; > 0 = dimension 0 of every tensor is the batch, of at most this many. */
  readonly maxBatchSize: number;
}

/**
 * The signature of a loaded session, batched and narrowed as the options say: INVALID_ARGUMENT
 * when the options ask for what the model cannot do, or name tensors it does not have.
 */
export function readSignature(model: string, session: OrtSession, o: OnnxModelOptions): Signature {
  if (session.inputMetadata === undefined || session.outputMetadata === undefined) {
    throw new RpcError(Code.FailedPrecondition, "ONNX models need onnxruntime-node 1.22 or later (for the model's tensor metadata)");
  }
  const inputs = session.inputMetadata.map((m) => toPort(model, "input", m));
  const outputs = session.outputMetadata.map((m) => toPort(model, "output", m));
  const maxBatchSize = batchSizeOf(model, [...inputs, ...outputs], o.maxBatchSize);
  return {
    // A config that lists no tensors (absent or empty) takes the file's.
    inputs: o.inputs === undefined || o.inputs.length === 0 ? inputs : narrow(model, "input", inputs, o.inputs, maxBatchSize, true),
    outputs: o.outputs === undefined || o.outputs.length === 0 ? outputs : narrow(model, "output", outputs, o.outputs, maxBatchSize, false),
    maxBatchSize,
  };
}

/** The config's view of a port: the batch dimension left out when the model batches. */
export function specOf(p: Port, maxBatchSize: number): TensorSpec {
  return { name: p.name, datatype: p.datatype, shape: maxBatchSize > 0 ? p.dims.slice(1) : p.dims.slice() };
}

function toPort(model: string, kind: string, m: OrtValueMetadata): Port {
  const datatype = datatypeOf(m.type);
  if (!m.isTensor || m.type === undefined || datatype === undefined) {
    throw new RpcError(Code.InvalidArgument, `model ${model}: ${kind} ${m.name} is ${m.isTensor ? `a tensor of ${m.type}` : "not a tensor"}, which the inference protocol cannot carry`);
  }
  const shape = m.shape ?? [];
  return {
    name: m.name,
    datatype,
    ortType: m.type,
    dims: shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)),
    symbols: shape.map((d) => (typeof d === "string" ? d : "")),
  };
}

function batchSizeOf(model: string, ports: readonly Port[], asked: number | undefined): number {
  const fixed = ports.find((p) => p.dims.length === 0 || p.dims[0] !== -1);
  if (asked === undefined) return fixed === undefined ? DEFAULT_ONNX_MAX_BATCH_SIZE : 0;
  if (asked > 0 && fixed !== undefined) {
    throw new RpcError(Code.InvalidArgument, `model ${model} cannot batch (maxBatchSize ${asked}): its tensor ${fixed.name} has shape [${fixed.dims.join(",")}], not a leading dimension of any size`);
  }
  return asked;
}

/** The ports as a config lists them: the same names, datatypes and ranks; free dimensions may be fixed. */
function narrow(model: string, kind: string, ports: readonly Port[], specs: readonly TensorSpec[], maxBatchSize: number, all: boolean): Port[] {
  const bad = (m: string) => new RpcError(Code.InvalidArgument, `model ${model}: the config's ${kind} ${m}`);
  for (const s of specs) if (!ports.some((p) => p.name === s.name)) throw bad(`${s.name} is not one of the model's ${kind}s (${ports.map((p) => p.name).join(", ")})`);
  const out: Port[] = [];
  for (const p of ports) {
    const s = specs.find((x) => x.name === p.name);
    if (s === undefined) {
      if (all) throw new RpcError(Code.InvalidArgument, `model ${model}: the config lists no ${kind} ${p.name}, which the model takes`);
      continue;
    }
    const given = maxBatchSize > 0 ? [-1, ...s.shape] : s.shape;
    const differs = () => bad(`${p.name} is ${s.datatype} [${s.shape.join(",")}], the model's is ${p.datatype} [${specOf(p, maxBatchSize).shape.join(",")}]`);
    if (s.datatype !== p.datatype || given.length !== p.dims.length) throw differs();
    const dims = given.map((d, k) => (d === -1 ? p.dims[k]! : d));
    for (let k = 0; k < dims.length; k++) if (p.dims[k] !== -1 && dims[k] !== p.dims[k]) throw differs();
    out.push({ ...p, dims });
  }
  return out;
}
