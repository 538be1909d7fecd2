import { Code, RpcError } from "../../core/index.js";
import type { ClientCallContext } from "../../rpc/index.js";

/** Wait before a failure retry: none (default), a fixed delay, or a random one in [minMs, maxMs]. */
export type BackoffPolicy = { type: "none" } | { type: "fixed"; ms: number } | { type: "random"; minMs: number; maxMs: number };

/** What an attempt ended with, as a result predicate sees it. */
export interface AttemptResult {
  /** The error, when the attempt failed. */
  readonly error?: RpcError;
  /** The response (unary, client-streaming) or the first message (server-streaming, bidi). */
  readonly response?: unknown;
}

/** Decide on a result: true retries it, false does not, undefined leaves it to `retryOn`. */
export type ResultPredicate = (result: AttemptResult, ctx: ClientCallContext) => boolean | undefined;

interface StopOptions {
  /** Retry circuit: stop retrying a method while its error ratio over 10 s is at least this, with >= 10 samples. Default 0.1, range (0, 0.3]. */
  errorRate?: number;
  /**
   * What the retry circuit counts: `"errors"` (default) the outcome of every attempt; `"retries"`
   * counts every retry as a failure and every first attempt as a success before they are sent, so
   * retries stop at `errorRate` of all attempts (Kitex's percentage limit, which also bounds hedging).
   */
  circuit?: "errors" | "retries";
  /** Do not retry a call made while serving a retried request (it carries `rpc-persist-retryreq`). Default true. */
  chainStop?: boolean;
}

interface ResultOptions {
  /** Codes worth another attempt. Default [DEADLINE_EXCEEDED, UNAVAILABLE] (timeouts and connection failures). */
  retryOn?: readonly Code[];
  /** A custom predicate on results (errors and responses); beats `retryOn` when it returns a boolean. */
  shouldRetry?: ResultPredicate;
  /** Let a retry go to the instance that just failed. Default false: the balancer is asked for another. */
  retrySameInstance?: boolean;
}

/** Failure retry: the next attempt starts after the previous one failed with a retryable result. */
export interface FailurePolicy extends StopOptions, ResultOptions {
  type: "failure";
  /** Retries after the first attempt. Default 2, range [0, 5]. */
  maxRetries?: number;
  /** Total time, first attempt included, after which no retry starts; 0 means no limit. Default 0. */
  maxDurationMs?: number;
  /** Default none. */
  backoff?: BackoffPolicy;
}

/** Backup request: after `delayMs` without a result, send another; the first result of any kind wins. */
export interface BackupPolicy extends StopOptions {
  type: "backup";
  /** Wait before each backup request (about the method's p99). Required. */
  delayMs: number;
  /** Backup requests after the first attempt. Default 1, range [0, 2]. */
  maxRetries?: number;
  /** Let a backup request go to the same instance. Default false. */
  retrySameInstance?: boolean;
}

/** Mixed retry: backup requests after `delayMs`, but only a non-retryable result wins (hedging that waits for a good answer). */
export interface MixedPolicy extends StopOptions, ResultOptions {
  type: "mixed";
  /** Wait before each extra attempt when no result came. Required. */
  delayMs: number;
  /** Extra attempts after the first. Default 1, range [0, 3]. */
  maxRetries?: number;
  /** Default 0 (no limit). */
  maxDurationMs?: number;
  /** Wait before an attempt started because another failed. Default none. */
  backoff?: BackoffPolicy;
}

/** A retry policy (plain data, as Kitex's): failure retry, backup requests or mixed. */
export type RetryPolicy = FailurePolicy | BackupPolicy | MixedPolicy;

/** A policy with every default filled in. */
export interface ResolvedRetryPolicy {
  readonly type: "failure" | "backup" | "mixed";
  readonly maxRetries: number;
  readonly maxDurationMs: number;
  readonly delayMs: number;
  readonly backoff: BackoffPolicy;
  readonly retryOn: ReadonlySet<Code>;
  readonly shouldRetry: ResultPredicate | undefined;
  readonly retrySameInstance: boolean;
  readonly errorRate: number;
  readonly circuit: "errors" | "retries";
  readonly chainStop: boolean;
}

const RANGES = { failure: [2, 5], backup: [1, 2], mixed: [1, 3] } as const;

/** The defaults shared by every `RetryPolicy` (frozen): retry DEADLINE_EXCEEDED and UNAVAILABLE, stop at a 10% error rate, no backoff. */
export const RETRY_POLICY_DEFAULTS = Object.freeze({
  retryOn: Object.freeze([Code.DeadlineExceeded, Code.Unavailable]) as readonly Code[],
  errorRate: 0.1,
  backoff: Object.freeze({ type: "none" }) as BackoffPolicy,
});

function fail(message: string): never {
  throw new RpcError(Code.InvalidArgument, `retry policy: ${message}`);
}

/** Fill in the defaults of a `RetryPolicy` and check each value; a bad value throws RpcError INVALID_ARGUMENT saying what to pass. */
export function resolveRetryPolicy(p: RetryPolicy): ResolvedRetryPolicy {
  const range = RANGES[p.type];
  if (range === undefined) fail(`type must be "failure", "backup" or "mixed", got "${String((p as { type: unknown }).type)}"`);
  const maxRetries = p.maxRetries ?? range[0];
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > range[1]) fail(`${p.type} maxRetries must be an integer in [0, ${range[1]}], got ${maxRetries}`);
  const delayMs = p.type === "failure" ? 0 : p.delayMs;
  if (p.type !== "failure" && !(delayMs > 0 && Number.isFinite(delayMs))) fail(`${p.type} retry needs delayMs > 0, got ${delayMs}`);
  const maxDurationMs = p.type === "backup" ? 0 : p.maxDurationMs ?? 0;
  if (!(maxDurationMs >= 0)) fail(`maxDurationMs must be >= 0, got ${maxDurationMs}`);
  const backoff = p.type === "backup" ? RETRY_POLICY_DEFAULTS.backoff : p.backoff ?? RETRY_POLICY_DEFAULTS.backoff;
  checkBackoff(backoff);
  const errorRate = p.errorRate ?? RETRY_POLICY_DEFAULTS.errorRate;
  if (!(errorRate > 0 && errorRate <= 0.3)) fail(`errorRate must be in (0, 0.3], got ${errorRate}`);
  const results: ResultOptions = p.type === "backup" ? {} : p;
  return Object.freeze({
    type: p.type, maxRetries, maxDurationMs, delayMs, backoff,
    retryOn: new Set<Code>(results.retryOn ?? RETRY_POLICY_DEFAULTS.retryOn),
    shouldRetry: results.shouldRetry,
    retrySameInstance: p.retrySameInstance ?? false,
    errorRate, circuit: p.circuit ?? "errors", chainStop: p.chainStop ?? true,
  });
}

function checkBackoff(b: BackoffPolicy): void {
  if (b.type === "none") return;
  if (b.type === "fixed") {
    if (!(b.ms >= 0)) fail(`fixed backoff needs ms >= 0, got ${b.ms}`);
    return;
  }
  if (b.type === "random") {
    if (!(b.minMs >= 0 && b.maxMs >= b.minMs)) fail(`random backoff needs 0 <= minMs <= maxMs, got ${b.minMs}..${b.maxMs}`);
    return;
  }
  fail(`backoff type must be "none", "fixed" or "random"`);
}

/** Milliseconds to wait before a retry under a backoff policy. */
export function backoffDelay(b: BackoffPolicy): number {
  switch (b.type) {
    case "none": return 0;
    case "fixed": return b.ms;
    case "random": return b.minMs + Math.random() * (b.maxMs - b.minMs);
  }
}
