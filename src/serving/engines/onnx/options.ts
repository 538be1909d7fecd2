import { availableParallelism } from "node:os";
import { Code, RpcError } from "../../../core/index.js";
import type { ModelConfig } from "../../model.js";

/**
 * How to serve an ONNX file. The model's tensors come from the file itself; the fields shared with
 * `ModelConfig` (as a repository's config file gives them) name it, set its batching, and may
 * narrow its tensors (a dimension the file leaves free may be fixed; nothing else may differ).
 */
export interface OnnxModelOptions extends Partial<Omit<ModelConfig, "platform">> {
  /**
   * Largest batch (leading dimension) per run, when every input and output of the model has a
   * leading dimension of any size; 0 = serve the model's shapes as they are, batch dimension
   * included. Default 8 for such models, 0 for the others.
   */
  maxBatchSize?: number;
  /**
   * Threads one inference uses (ONNX Runtime's intra-op threads, the calling thread included).
   * Default half the CPUs, at least 1 (1 on a 2-core machine): the rest stay for I/O and other work.
   */
  intraOpThreads?: number;
  /**
   * Let idle intra-op threads spin waiting for work: lower latency with several threads, at the
   * cost of burning CPU that the rest of the process could use. Default false.
   */
  allowSpinning?: boolean;
  /** ONNX Runtime's graph optimization level. Default "all". */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  /** Largest model file loaded; a larger one is refused before it is read. Default 1 GiB. */
  maxModelBytes?: number;
}

/** `OnnxModelOptions` with every default filled in, as `resolveOnnxModelOptions` returns them. */
export interface ResolvedOnnxModelOptions {
  readonly maxBatchSize: number | undefined;
  readonly intraOpThreads: number;
  readonly allowSpinning: boolean;
  readonly graphOptimizationLevel: "disabled" | "basic" | "extended" | "all";
  readonly maxModelBytes: number;
}

/** Largest batch by default, for a model that batches. */
export const DEFAULT_ONNX_MAX_BATCH_SIZE = 8;

/** The defaults of `OnnxModelOptions` (frozen): half the cores for intra-op threads, no spinning, every graph optimization. */
export const ONNX_MODEL_DEFAULTS: Readonly<Omit<ResolvedOnnxModelOptions, "maxBatchSize">> = Object.freeze({
  intraOpThreads: Math.max(1, Math.floor(availableParallelism() / 2)),
  allowSpinning: false,
  graphOptimizationLevel: "all",
  maxModelBytes: 1 << 30,
});

const LEVELS: ReadonlySet<string> = new Set(["disabled", "basic", "extended", "all"]);

/** Check the engine's options (the config fields are checked with the model's metadata). */
export function resolveOnnxModelOptions(o: OnnxModelOptions = {}): ResolvedOnnxModelOptions {
  const d = ONNX_MODEL_DEFAULTS;
  const r = {
    maxBatchSize: o.maxBatchSize,
    intraOpThreads: o.intraOpThreads ?? d.intraOpThreads,
    allowSpinning: o.allowSpinning ?? d.allowSpinning,
    graphOptimizationLevel: o.graphOptimizationLevel ?? d.graphOptimizationLevel,
    maxModelBytes: o.maxModelBytes ?? d.maxModelBytes,
  };
  const bad = (m: string) => new RpcError(Code.InvalidArgument, `ONNX model options: ${m}`);
  if (r.maxBatchSize !== undefined && (!Number.isInteger(r.maxBatchSize) || r.maxBatchSize < 0)) throw bad(`maxBatchSize must be an integer >= 0, got ${r.maxBatchSize}`);
  if (!Number.isInteger(r.intraOpThreads) || r.intraOpThreads < 1 || r.intraOpThreads > 256) throw bad(`intraOpThreads must be an integer from 1 to 256, got ${r.intraOpThreads}`);
  if (typeof r.allowSpinning !== "boolean") throw bad(`allowSpinning must be true or false, got ${String(r.allowSpinning)}`);
  if (!LEVELS.has(r.graphOptimizationLevel)) throw bad(`graphOptimizationLevel must be one of ${[...LEVELS].join(", ")}, got ${String(r.graphOptimizationLevel)}`);
  if (!Number.isSafeInteger(r.maxModelBytes) || r.maxModelBytes < 1) throw bad(`maxModelBytes must be a positive integer, got ${r.maxModelBytes}`);
  return Object.freeze(r);
}
