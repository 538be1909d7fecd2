import { Code, RpcError } from "../core/index.js";
import { toDatatype, type Datatype } from "./datatype.js";
import type { Parameters, Tensor } from "./tensor.js";

/** An input or output of a model: its name, datatype and shape (-1 for a dimension of any size). */
export interface TensorSpec {
  readonly name: string;
  readonly datatype: Datatype;
  /** Without the batch dimension when the model batches (`maxBatchSize` > 0), as Triton writes it. */
  readonly shape: readonly number[];
}

/** A queue's policy in the dynamic batcher (Triton's `ModelQueuePolicy`). */
export interface QueuePolicy {
  /** What to do with a request past its queue timeout: refuse it, or let it wait behind the rest. Default "REJECT". */
  readonly timeoutAction?: "REJECT" | "DELAY";
  /** Queue timeout of a request, in µs; 0 = none. Default 0. */
  readonly defaultTimeoutMicroseconds?: number;
  /** Whether a request may set a shorter timeout of its own (parameter `timeout`, µs). Default false. */
  readonly allowTimeoutOverride?: boolean;
  /** Requests waiting at most; one more is refused with RESOURCE_EXHAUSTED. 0 or absent: the batcher's `defaultMaxQueueSize` (1024). */
  readonly maxQueueSize?: number;
}

/** Dynamic batching of a model (Triton's `dynamic_batching`). */
export interface DynamicBatchingConfig {
  /** Batch sizes to run at once when they can be formed (the largest first). Default none. */
  readonly preferredBatchSize?: readonly number[];
  /** How long a request may wait for others to batch with, in µs. Default 0. */
  readonly maxQueueDelayMicroseconds?: number;
  /** Answer in the order the requests came. Default false (each request has its own answer; accepted, no effect). */
  readonly preserveOrdering?: boolean;
  /** Priority levels (1 is the highest); 0 = one queue. Default 0. */
  readonly priorityLevels?: number;
  /** Level of a request that names none (parameter `priority`). Default: the lowest level, `priorityLevels`. */
  readonly defaultPriorityLevel?: number;
  readonly defaultQueuePolicy?: QueuePolicy;
  /** A policy per priority level. */
  readonly priorityQueuePolicy?: Readonly<Record<number, QueuePolicy>>;
}

/** What a model is: its name and version, tensors, and how it batches. */
export interface ModelConfig {
  readonly name: string;
  /** Default "1". */
  readonly version?: string;
  /** Informational `<project>_<format>`, e.g. `onnxruntime_onnx`. Default "weir". */
  readonly platform?: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /**
   * 0: the model takes tensors of exactly the shapes given. > 0: every input and output has a
   * leading batch dimension, not written in `shape`, of at most this many. Default 0.
   */
  readonly maxBatchSize?: number;
  /** Batch requests together (needs `maxBatchSize` > 0). Default: each request runs alone. */
  readonly dynamicBatching?: DynamicBatchingConfig;
  /** Model properties, reported in its metadata. */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** What a model's `infer` gets besides its inputs. */
export interface InferContext {
  /** Aborts when the caller goes away or its deadline passes. */
  readonly signal: AbortSignal;
  /** The request's parameters. */
  readonly parameters: Parameters;
  /** The outputs asked for; undefined = all. A model may return more: the server drops the rest. */
  readonly outputs: readonly string[] | undefined;
}

/** A model ready to serve: its config, and a function over typed tensors. */
export interface Model {
  readonly config: ModelConfig;
  /**
   * Run the model. Inputs are checked against the config before this is called (names, datatypes,
   * shapes; batched models get the batch dimension first). Returns the outputs, by name.
   */
  infer(inputs: readonly Tensor[], ctx: InferContext): Promise<readonly Tensor[]> | readonly Tensor[];
  /** Free what the model holds (unload). */
  close?(): Promise<void>;
}

/**
 * A model written in code: its config and an `(inputs, ctx) => outputs` function.
 *
 * @example
 * const addSub = defineModel({
 *   name: "add_sub",
 *   inputs: [{ name: "INPUT0", datatype: "FP32", shape: [4] }, { name: "INPUT1", datatype: "FP32", shape: [4] }],
 *   outputs: [{ name: "OUTPUT0", datatype: "FP32", shape: [4] }, { name: "OUTPUT1", datatype: "FP32", shape: [4] }],
 * }, ([a, b]) => [tensor("OUTPUT0", "FP32", [4], add(a, b)), tensor("OUTPUT1", "FP32", [4], sub(a, b))]);
 */
export function defineModel(config: ModelConfig, infer: Model["infer"]): Model {
  return Object.freeze({ config: checkModelConfig(config), infer });
}

/** Check a config: names, datatypes and dimensions. INVALID_ARGUMENT naming the first bad field. */
export function checkModelConfig(c: ModelConfig): ModelConfig {
  const bad = (m: string) => new RpcError(Code.InvalidArgument, `model ${c.name}: ${m}`);
  if (typeof c.name !== "string" || !/^[A-Za-z0-9_.-]{1,128}$/.test(c.name)) throw new RpcError(Code.InvalidArgument, `a model name must be 1-128 letters, digits, '_', '.' or '-', got "${String(c.name).slice(0, 40)}"`);
  if (c.version !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(c.version)) throw bad(`bad version "${c.version.slice(0, 40)}"`);
  const maxBatch = c.maxBatchSize ?? 0;
  if (!Number.isInteger(maxBatch) || maxBatch < 0) throw bad(`maxBatchSize must be an integer >= 0, got ${maxBatch}`);
  if (c.dynamicBatching !== undefined && maxBatch === 0) throw bad("dynamicBatching needs maxBatchSize > 0");
  for (const [kind, specs] of [["input", c.inputs], ["output", c.outputs]] as const) {
    if (!Array.isArray(specs) || specs.length === 0) throw bad(`needs at least one ${kind}`);
    const seen = new Set<string>();
    for (const s of specs) {
      if (typeof s.name !== "string" || s.name === "" || seen.has(s.name)) throw bad(`${kind} names must be distinct and not empty`);
      seen.add(s.name);
      toDatatype(s.datatype, `${kind} ${s.name} datatype`);
      for (const d of s.shape) if (!Number.isInteger(d) || d < -1) throw bad(`${kind} ${s.name} has a bad dimension ${d}`);
    }
  }
  return c;
}
