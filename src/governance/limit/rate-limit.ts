import { Code, RpcError } from "../../core/index.js";
import type { CallContext, Middleware, Next } from "../../rpc/index.js";
import { TokenBucket } from "./token-bucket.js";

/** Metadata key of the retry hint on RESOURCE_EXHAUSTED errors: whole seconds, as HTTP's Retry-After. */
export const RETRY_AFTER_HEADER = "retry-after";
/** The same hint in milliseconds. */
export const RETRY_AFTER_MS_HEADER = "retry-after-ms";

/** What a limit counts: every call of the server together, or each method alone. */
export type LimitScope = "server" | "method";

/**
 * Options of `rateLimit()`.
 *
 * @example
 * rateLimit({ qps: 1000 })                                   // the whole server
 * rateLimit({ qps: 50, per: "method", methods: { Generate: 5 } })
 */
export interface RateLimitOptions {
  /** Calls per second. Required (> 0). */
  qps: number;
  /** Calls that may come at once after a quiet time. Default: `qps` (one second's worth), at least 1. */
  burst?: number;
  /** One bucket for the server (default) or one per method. */
  per?: LimitScope;
  /** Calls per second by method name or path, beating `qps` (implies per-method buckets for them). */
  methods?: Readonly<Record<string, number>>;
}

/** The error of a call over a limit: RESOURCE_EXHAUSTED with a retry hint (HTTP 429 + Retry-After at a gateway). */
export function overLimit(message: string, retryAfterMs: number): RpcError {
  const ms = Math.max(0, Math.ceil(retryAfterMs));
  return new RpcError(Code.ResourceExhausted, message, {
    metadata: { [RETRY_AFTER_HEADER]: String(Math.max(1, Math.ceil(ms / 1000))), [RETRY_AFTER_MS_HEADER]: String(ms) },
  });
}

/**
 * Server-side QPS limit with a token bucket (as Kitex's QPS limiter): a call without a token fails
 * at once with RESOURCE_EXHAUSTED and `retry-after`/`retry-after-ms` metadata.
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  const make = (qps: number, name: string): TokenBucket => {
    if (!(qps > 0) || !Number.isFinite(qps)) throw new RpcError(Code.InvalidArgument, `rateLimit qps for ${name} must be > 0, got ${qps}`);
    return new TokenBucket(qps, Math.max(1, options.burst ?? qps));
  };
  const server = make(options.qps, "the server");
  const overrides = options.methods ?? {};
  const perMethod = options.per === "method" || Object.keys(overrides).length > 0;
  const buckets = new WeakMap<object, TokenBucket>();
  const bucketOf = (call: { method: { path: string; name: string } }): TokenBucket => {
    if (!perMethod) return server;
    let b = buckets.get(call.method);
    if (b === undefined) {
      const q = overrides[call.method.path] ?? overrides[call.method.name];
      b = q !== undefined ? make(q, call.method.path) : options.per === "method" ? make(options.qps, call.method.path) : server;
      buckets.set(call.method, b);
    }
    return b;
  };
  return <C extends CallContext>(next: Next<C>): Next<C> => (call) => {
    const b = bucketOf(call);
    if (b.take()) return next(call);
    return Promise.reject(overLimit(`rate limit of ${b.rate} calls/s reached for ${perMethod ? call.method.path : "the server"}`, b.waitMs()));
  };
}
