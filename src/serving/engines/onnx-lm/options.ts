import { availableParallelism } from "node:os";
import { Code, RpcError } from "../../../core/index.js";
import type { RequestLimits } from "../request.js";

/** Options of {@link createOnnxLmSteppedModel}. */
export interface OnnxLmOptions {
  /** Model id (ListModels, `/v1/models`). Default: the folder's name. */
  id?: string;
  /**
   * Threads one model step uses (ONNX Runtime's intra-op threads, the calling thread included).
   * Default half the CPUs, at least 1: the rest stay for I/O.
   */
  intraOpThreads?: number;
  /**
   * Request limits. `maxPromptChars` defaults to the context × 8 characters (a longer prompt is
   * refused unread); `maxTokensLimit` to the context.
   */
  limits?: RequestLimits;
}

/** Defaults of {@link OnnxLmOptions}. */
export const ONNX_LM_DEFAULTS = Object.freeze({
  intraOpThreads: Math.max(1, Math.floor(availableParallelism() / 2)),
});

/** Check the options; INVALID_ARGUMENT naming the first bad one. */
export function resolveOnnxLmOptions(o: OnnxLmOptions = {}): Readonly<{ intraOpThreads: number }> {
  const intraOpThreads = o.intraOpThreads ?? ONNX_LM_DEFAULTS.intraOpThreads;
  if (!Number.isInteger(intraOpThreads) || intraOpThreads < 1 || intraOpThreads > 256) {
    throw new RpcError(Code.InvalidArgument, `ONNX language model option intraOpThreads must be an integer from 1 to 256, got ${intraOpThreads}`);
  }
  if (o.id !== undefined && (typeof o.id !== "string" || o.id === "")) throw new RpcError(Code.InvalidArgument, "ONNX language model option id must be a non-empty string");
  return Object.freeze({ intraOpThreads });
}
