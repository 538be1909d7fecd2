import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { Code, RpcError } from "../../core/index.js";
import { arrayOf, type Datatype } from "../datatype.js";
import type { Tensor } from "../tensor.js";
import type { ModelLoader } from "./loader.js";
import { defineModel, type Model, type ModelConfig } from "../model.js";

/**
 * What a `model.json` describes: `identity` (each output is its input) or `scale` (each numeric
 * output is its input times `factor`, in the input's datatype).
 */
export type JsonModelSpec = { readonly kind: "identity" } | { readonly kind: "scale"; readonly factor: number };

/** Largest `model.json` the loader reads. */
export const MAX_JSON_MODEL_BYTES = 64 * 1024;

const NOT_SCALED: ReadonlySet<Datatype> = new Set(["BYTES", "BOOL", "FP16", "BF16"]);
const BIG: ReadonlySet<Datatype> = new Set(["INT64", "UINT64"]);

/**
 * The loader of `model.json` files (platform `weir_json`): small models described in JSON, for
 * trying a repository without an engine. Input i pairs with output i, which must have its datatype
 * and shape.
 *
 * @example
 * // models/double/config.json: { "platform": "weir_json", "maxBatchSize": 8, "dynamicBatching": {},
 * //   "input": [{ "name": "x", "dataType": "TYPE_FP32", "dims": [4] }], "output": [{ "name": "y", "dataType": "TYPE_FP32", "dims": [4] }] }
 * // models/double/1/model.json:  { "kind": "scale", "factor": 2 }
 */
export const jsonModelLoader: ModelLoader = Object.freeze({
  platform: "weir_json",
  canLoad: (file: string) => basename(file) === "model.json",
  async load(file: string, config: ModelConfig): Promise<Model> {
    const size = (await stat(file)).size;
    if (size > MAX_JSON_MODEL_BYTES) throw new RpcError(Code.InvalidArgument, `${basename(file)} of model ${config.name} is ${size} bytes, over ${MAX_JSON_MODEL_BYTES}`);
    return jsonModel(config, parseSpec(await readFile(file, "utf8"), config.name));
  },
});

/** A model of `spec` over `config`'s tensors; INVALID_ARGUMENT when they do not pair up. */
export function jsonModel(config: ModelConfig, spec: JsonModelSpec): Model {
  const bad = (m: string) => new RpcError(Code.InvalidArgument, `model ${config.name}: ${m}`);
  if (config.inputs.length === 0 || config.inputs.length !== config.outputs.length) throw bad(`a ${spec.kind} model needs its inputs and outputs in config.json, as many of each`);
  config.inputs.forEach((input, i) => {
    const output = config.outputs[i]!;
    if (output.datatype !== input.datatype || output.shape.join() !== input.shape.join()) throw bad(`output ${output.name} must have the datatype and shape of input ${input.name}`);
    if (spec.kind === "scale" && NOT_SCALED.has(input.datatype)) throw bad(`cannot scale input ${input.name} of datatype ${input.datatype}`);
    if (spec.kind === "scale" && BIG.has(input.datatype) && !Number.isSafeInteger(spec.factor)) throw bad(`input ${input.name} is ${input.datatype}: the factor must be an integer`);
  });
  const names = config.outputs.map((o) => o.name);
  return defineModel(config, (inputs) => inputs.map((t, i) => ({ name: names[i]!, datatype: t.datatype, shape: t.shape, data: spec.kind === "identity" ? t.data : scaled(t, spec.factor) }) as Tensor));
}

function scaled(t: Tensor, factor: number): Tensor["data"] {
  const src = t.data as Float64Array;
  const out = new (arrayOf(t.datatype as Exclude<Datatype, "BYTES">))(src.length) as Float64Array;
  if (BIG.has(t.datatype)) {
    const f = BigInt(factor), big = src as unknown as BigInt64Array, dst = out as unknown as BigInt64Array;
    for (let i = 0; i < big.length; i++) dst[i] = big[i]! * f;
  } else for (let i = 0; i < src.length; i++) out[i] = src[i]! * factor;
  return out;
}

function parseSpec(text: string, model: string): JsonModelSpec {
  const bad = (m: string) => new RpcError(Code.InvalidArgument, `model.json of model ${model}: ${m}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message.slice(0, 100)})`);
  }
  const o = v as { kind?: unknown; factor?: unknown } | null;
  if (o?.kind === "identity") return { kind: "identity" };
  if (o?.kind === "scale") {
    if (typeof o.factor !== "number" || !Number.isFinite(o.factor)) throw bad("a scale model needs a finite number factor");
    return { kind: "scale", factor: o.factor };
  }
  throw bad(`kind must be "identity" or "scale", got ${JSON.stringify(o?.kind)?.slice(0, 30)}`);
}
