import { Code, RpcError } from "../../core/index.js";

/**
 * Bounds on what one inference request may make a process hold, checked while it is decoded
 * (gRPC, REST JSON and binary alike) and before anything is allocated for it.
 */
export interface TensorLimits {
  /** Bytes of one tensor: its elements × their size, or for BYTES the bytes of its elements. Default 64 MiB. */
  maxTensorBytes?: number;
  /**
   * Elements of one BYTES tensor. Each is an object of its own in memory (~100 bytes), so a few
   * bytes on the wire per element would otherwise cost a hundred times as much. Default 65 536.
   */
  maxBytesElements?: number;
  /** Tensors in one request or response: inputs, requested outputs, outputs. Default 256. */
  maxTensors?: number;
  /** Entries of one `parameters` map (of a request, a tensor or a response). Default 256. */
  maxParameters?: number;
}

/** `TensorLimits` with every default filled in, as `resolveTensorLimits` returns them. */
export type ResolvedTensorLimits = Readonly<Required<TensorLimits>>;

/** The defaults of `TensorLimits` (frozen); see docs/limits.md for each value. */
export const TENSOR_LIMIT_DEFAULTS: ResolvedTensorLimits = Object.freeze({
  maxTensorBytes: 64 << 20,
  maxBytesElements: 1 << 16,
  maxTensors: 256,
  maxParameters: 256,
});

/** Fill in defaults and check values; `where` prefixes the option names in errors. */
export function resolveTensorLimits(o: TensorLimits = {}, where = "OIP limit "): ResolvedTensorLimits {
  const out = { ...TENSOR_LIMIT_DEFAULTS };
  for (const key of Object.keys(out) as (keyof TensorLimits)[]) {
    const v = o[key];
    if (v === undefined) continue;
    checkPositiveInteger(`${where}${key}`, v);
    out[key] = v;
  }
  return Object.freeze(out);
}

/** INVALID_ARGUMENT unless `v` is an integer >= 1. */
export function checkPositiveInteger(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new RpcError(Code.InvalidArgument, `${name} must be a positive integer, got ${v}`);
}

/** INVALID_ARGUMENT when a request has more tensors than allowed. */
export function checkTensorCount(n: number, limits: ResolvedTensorLimits, what: string): void {
  if (n > limits.maxTensors) throw new RpcError(Code.InvalidArgument, `${what}: more than ${limits.maxTensors} tensors`);
}

/** INVALID_ARGUMENT when a parameters map has more entries than allowed. */
export function checkParameterCount(n: number, limits: ResolvedTensorLimits, what: string): void {
  if (n > limits.maxParameters) throw new RpcError(Code.InvalidArgument, `${what}: more than ${limits.maxParameters} parameters`);
}
