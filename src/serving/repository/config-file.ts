import type { DynamicBatchingConfig, ModelConfig, QueuePolicy } from "../model.js";
import { camelKeys, configError, Fields, tensorSpecs } from "./config-fields.js";

/** Which version folders of a model to serve (Triton's `version_policy`). Default: the latest one. */
export type VersionPolicy =
  | { readonly kind: "latest"; readonly count: number }
  | { readonly kind: "all" }
  | { readonly kind: "specific"; readonly versions: readonly string[] };

/** A model's `config.json`, read. */
export interface ModelFile {
  /** The model's config; `inputs` and `outputs` may be empty when the model file says them itself. */
  readonly config: ModelConfig;
  /** Batches that may run at once (the sum of `instanceGroup` counts). Default 1. */
  readonly instances: number;
  readonly versionPolicy: VersionPolicy;
  /** The file to load in each version folder; default: the first a loader claims. */
  readonly defaultModelFilename: string | undefined;
}

const TOP = new Set(["name", "platform", "backend", "maxBatchSize", "input", "inputs", "output", "outputs", "dynamicBatching", "parameters", "versionPolicy", "defaultModelFilename", "instanceGroup"]);
/** Triton fields that are accepted and have no effect here. */
const IGNORED = new Set(["optimization", "modelWarmup", "responseCache", "ccModelFilenames", "metricTags", "modelRepositoryAgents", "modelOperations", "runtime", "modelTransactionPolicy"]);
const REFUSED: Readonly<Record<string, string>> = { sequenceBatching: "sequence batching is not supported", ensembleScheduling: "ensembles are not supported" };
/** Triton's backends by the platform their loader registers as. */
const BACKEND_PLATFORMS: Readonly<Record<string, string>> = { onnxruntime: "onnxruntime_onnx" };
const PLAIN_FILE = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,128}$/;
const MAX_TENSORS = 1024;
const MAX_BATCH_SIZE = 1 << 20;
const MAX_INSTANCES = 64;

/**
 * Read `config.json` of model `name` (the folder's name): Triton's fields in camelCase (or in
 * snake_case), inputs and outputs as Triton writes them (`input`, `data_type: "TYPE_FP32"`,
 * `dims`) or as the protocol does (`inputs`, `datatype: "FP32"`, `shape`). INVALID_ARGUMENT naming
 * the first bad field.
 *
 * @example
 * { "maxBatchSize": 8, "input": [{ "name": "x", "dataType": "TYPE_FP32", "dims": [4] }],
 *   "output": [{ "name": "y", "dataType": "TYPE_FP32", "dims": [4] }],
 *   "dynamicBatching": { "maxQueueDelayMicroseconds": 500 } }
 */
export function parseModelFile(text: string, name: string): ModelFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw configError(name, `not JSON (${(e as Error).message.slice(0, 100)})`);
  }
  const f = Fields.of(camelKeys(json, name), name, "");
  for (const [field, why] of Object.entries(REFUSED)) if (f.obj[field] !== undefined) throw configError(name, why);
  if ((f.obj.modelTransactionPolicy as { decoupled?: unknown } | undefined)?.decoupled === true) throw configError(name, "decoupled models are not supported");
  f.onlyKnown(TOP, IGNORED);
  const own = f.string("name");
  if (own !== undefined && own !== name) throw configError(name, `name is "${own.slice(0, 60)}", but the folder is ${name}`);
  const backend = f.string("backend", /^[A-Za-z0-9_.-]{1,64}$/);
  const platform = f.string("platform", /^[A-Za-z0-9_.-]{1,64}$/) ?? (backend === undefined ? undefined : BACKEND_PLATFORMS[backend] ?? backend);
  const maxBatchSize = f.int("maxBatchSize", MAX_BATCH_SIZE);
  const inputs = tensorSpecs(f.array("inputs", MAX_TENSORS) ?? f.array("input", MAX_TENSORS) ?? [], name, "input");
  const outputs = tensorSpecs(f.array("outputs", MAX_TENSORS) ?? f.array("output", MAX_TENSORS) ?? [], name, "output");
  const dynamicBatching = batchingOf(f.object("dynamicBatching"));
  const parameters = parametersOf(f);
  const config: ModelConfig = {
    name, inputs, outputs,
    ...(platform === undefined ? {} : { platform }),
    ...(maxBatchSize === undefined ? {} : { maxBatchSize }),
    ...(dynamicBatching === undefined ? {} : { dynamicBatching }),
    ...(parameters === undefined ? {} : { parameters }),
  };
  return { config, instances: instancesOf(f), versionPolicy: versionPolicyOf(f.object("versionPolicy")), defaultModelFilename: f.string("defaultModelFilename", PLAIN_FILE) };
}

const BATCHING = new Set(["preferredBatchSize", "maxQueueDelayMicroseconds", "preserveOrdering", "priorityLevels", "defaultPriorityLevel", "defaultQueuePolicy", "priorityQueuePolicy"]);

function batchingOf(f: Fields | undefined): DynamicBatchingConfig | undefined {
  if (f === undefined) return undefined;
  f.onlyKnown(BATCHING);
  const preferred = f.ints("preferredBatchSize", 64, MAX_BATCH_SIZE);
  const perLevel = f.object("priorityQueuePolicy");
  const levels: Record<number, QueuePolicy> = {};
  for (const key of Object.keys(perLevel?.obj ?? {})) {
    if (!/^\d{1,4}$/.test(key)) throw configError(f.model, `${f.path}priorityQueuePolicy has a level "${key.slice(0, 20)}": levels are integers`);
    levels[Number(key)] = queuePolicyOf(perLevel!.object(key)!);
  }
  const out: Record<string, unknown> = {
    preferredBatchSize: preferred,
    maxQueueDelayMicroseconds: f.int("maxQueueDelayMicroseconds"),
    preserveOrdering: f.bool("preserveOrdering"),
    priorityLevels: f.int("priorityLevels"),
    defaultPriorityLevel: f.int("defaultPriorityLevel"),
    defaultQueuePolicy: f.obj.defaultQueuePolicy === undefined ? undefined : queuePolicyOf(f.object("defaultQueuePolicy")!),
    priorityQueuePolicy: perLevel === undefined ? undefined : levels,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as DynamicBatchingConfig;
}

const POLICY = new Set(["timeoutAction", "defaultTimeoutMicroseconds", "allowTimeoutOverride", "maxQueueSize"]);

function queuePolicyOf(f: Fields): QueuePolicy {
  f.onlyKnown(POLICY);
  const action = f.obj.timeoutAction;
  if (action !== undefined && action !== "REJECT" && action !== "DELAY") throw f.bad("timeoutAction", `"REJECT" or "DELAY"`);
  const out: Record<string, unknown> = {
    timeoutAction: action,
    defaultTimeoutMicroseconds: f.int("defaultTimeoutMicroseconds"),
    allowTimeoutOverride: f.bool("allowTimeoutOverride"),
    maxQueueSize: f.int("maxQueueSize", 2 ** 32 - 1),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as QueuePolicy;
}

/** `parameters` as strings: `{ "k": "v" }`, or Triton's `{ "k": { "string_value": "v" } }`. */
function parametersOf(f: Fields): Record<string, string> | undefined {
  const p = f.object("parameters");
  if (p === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.obj)) {
    const s = typeof v === "string" ? v : (v as { string_value?: unknown; stringValue?: unknown } | null)?.string_value ?? (v as { stringValue?: unknown } | null)?.stringValue;
    if (typeof s !== "string" || k.length > 256 || s.length > 4096) throw configError(f.model, `parameters.${k.slice(0, 60)} must be a string (or { "string_value": ... }) of at most 4096 characters`);
    out[k] = s;
  }
  return out;
}

function instancesOf(f: Fields): number {
  const groups = f.array("instanceGroup", MAX_INSTANCES);
  if (groups === undefined) return 1;
  let n = 0;
  groups.forEach((g, i) => (n += Fields.of(g, f.model, `instanceGroup[${i}].`).int("count", MAX_INSTANCES) ?? 1));
  if (n < 1 || n > MAX_INSTANCES) throw configError(f.model, `instanceGroup counts add up to ${n}; 1..${MAX_INSTANCES} instances are allowed`);
  return n;
}

function versionPolicyOf(f: Fields | undefined): VersionPolicy {
  if (f === undefined) return { kind: "latest", count: 1 };
  const latest = f.object("latest"), specific = f.object("specific");
  if (f.obj.all !== undefined && latest === undefined && specific === undefined) return { kind: "all" };
  if (latest !== undefined && f.obj.all === undefined && specific === undefined) return { kind: "latest", count: Math.max(1, latest.int("numVersions", 1024) ?? 1) };
  if (specific !== undefined && f.obj.all === undefined && latest === undefined) {
    const versions = (specific.array("versions", 1024) ?? []).map((v) => String(v));
    for (const v of versions) if (!/^\d{1,18}$/.test(v)) throw configError(f.model, `versionPolicy.specific.versions holds "${v.slice(0, 20)}": versions are numbers`);
    return { kind: "specific", versions };
  }
  throw configError(f.model, `versionPolicy must be one of { "latest": { "numVersions": n } }, { "all": {} }, { "specific": { "versions": [...] } }`);
}
