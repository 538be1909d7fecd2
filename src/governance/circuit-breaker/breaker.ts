import { wallClock, type Clock } from "../../core/clock.js";
import { Code, RpcError } from "../../core/index.js";
import { RollingWindow } from "./window.js";

/** The state of a breaker: `closed` lets calls through, `open` fails them fast, `half-open` lets probes through. */
export type CircuitBreakerState = "closed" | "open" | "half-open";

/**
 * When a breaker opens and how it recovers. Either trigger opens it: the error rate over the window
 * (once `minSamples` calls are in it), or `consecutiveFailures` failures in a row.
 *
 * @example
 * circuitBreaker({ errorRate: 0.3, minSamples: 50, coolingMs: 5000 })
 */
export interface CircuitBreakerOptions {
  /** Open when failures / calls in the window reach this (0, 1]. Default 0.5 (as Kitex). */
  errorRate?: number;
  /** Calls needed in the window before the error rate counts. Default 20. */
  minSamples?: number;
  /** Open after this many failures in a row, whatever the window says; 0 turns it off. Default 5. */
  consecutiveFailures?: number;
  /** Length of the rolling window. Default 10_000 ms (10 buckets). */
  windowMs?: number;
  /** Time an open breaker waits before letting probes through (half-open). Default 5000 ms. */
  coolingMs?: number;
  /** Probes allowed at once while half-open. Default 1. */
  halfOpenProbes?: number;
  /** Consecutive successful probes that close the breaker. Default 3. */
  successesToClose?: number;
  /** Which errors count as failures. Default: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNKNOWN, DATA_LOSS. */
  isFailure?: (err: RpcError) => boolean;
  /** Time source of the window and the cool-down. Default the wall clock (`Date.now()`); tests pass their own. */
  clock?: Clock;
}

/** `CircuitBreakerOptions` with every default filled in and checked, as `resolveCircuitBreakerOptions` returns them. */
export interface ResolvedCircuitBreakerOptions {
  readonly errorRate: number;
  readonly minSamples: number;
  readonly consecutiveFailures: number;
  readonly windowMs: number;
  readonly coolingMs: number;
  readonly halfOpenProbes: number;
  readonly successesToClose: number;
  readonly isFailure: (err: RpcError) => boolean;
  readonly clock: Clock;
}

const FAILURE_CODES = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Internal, Code.Unknown, Code.DataLoss]);

/** The defaults of `CircuitBreakerOptions` (frozen), as Kitex's. */
export const CIRCUIT_BREAKER_DEFAULTS: ResolvedCircuitBreakerOptions = Object.freeze({
  errorRate: 0.5,
  minSamples: 20,
  consecutiveFailures: 5,
  windowMs: 10_000,
  coolingMs: 5000,
  halfOpenProbes: 1,
  successesToClose: 3,
  isFailure: (err: RpcError) => FAILURE_CODES.has(err.code),
  clock: wallClock,
});

/** Fill in the defaults of `CircuitBreakerOptions` and check each value; a bad value throws RpcError INVALID_ARGUMENT naming the option. */
export function resolveCircuitBreakerOptions(o: CircuitBreakerOptions = {}): ResolvedCircuitBreakerOptions {
  const d = CIRCUIT_BREAKER_DEFAULTS;
  const r = {
    errorRate: o.errorRate ?? d.errorRate, minSamples: o.minSamples ?? d.minSamples,
    consecutiveFailures: o.consecutiveFailures ?? d.consecutiveFailures, windowMs: o.windowMs ?? d.windowMs,
    coolingMs: o.coolingMs ?? d.coolingMs, halfOpenProbes: o.halfOpenProbes ?? d.halfOpenProbes,
    successesToClose: o.successesToClose ?? d.successesToClose, isFailure: o.isFailure ?? d.isFailure,
    clock: o.clock ?? d.clock,
  };
  if (!(r.errorRate > 0 && r.errorRate <= 1)) throw new RpcError(Code.InvalidArgument, `breaker errorRate must be in (0, 1], got ${r.errorRate}`);
  for (const k of ["minSamples", "consecutiveFailures"] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 0) throw new RpcError(Code.InvalidArgument, `breaker ${k} must be an integer >= 0, got ${r[k]}`);
  }
  for (const k of ["halfOpenProbes", "successesToClose"] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new RpcError(Code.InvalidArgument, `breaker ${k} must be an integer >= 1, got ${r[k]}`);
  }
  if (!(r.windowMs > 0) || !(r.coolingMs >= 0)) throw new RpcError(Code.InvalidArgument, "breaker windowMs must be > 0 and coolingMs >= 0");
  return Object.freeze(r);
}

/**
 * One circuit breaker: closed (calls pass, outcomes counted) → open (calls fail fast) after a
 * trigger → half-open after `coolingMs` (a few probes pass) → closed after `successesToClose`
 * successful probes, or open again on a failed one.
 */
export class CircuitBreaker {
  private stateValue: CircuitBreakerState = "closed";
  private readonly window: RollingWindow;
  private streak = 0;
  private openedAt = 0;
  private probes = 0;
  private probeSuccesses = 0;
  /** Why it opened, for the error message. */
  private why = "";

  constructor(readonly name: string, readonly options: ResolvedCircuitBreakerOptions = CIRCUIT_BREAKER_DEFAULTS) {
    this.window = new RollingWindow(options.windowMs);
  }

  get state(): CircuitBreakerState {
    if (this.stateValue === "open" && this.options.clock.now() - this.openedAt >= this.options.coolingMs) this.halfOpen();
    return this.stateValue;
  }

  /** True when a call may go now (without taking a probe slot). */
  canPass(): boolean {
    const s = this.state;
    return s === "closed" || (s === "half-open" && this.probes < this.options.halfOpenProbes);
  }

  /**
   * Take permission for one call: undefined when it may go (then report it with `onSuccess` or
   * `onFailure`, or `onIgnored`), else the UNAVAILABLE error to fail fast with.
   */
  acquire(): RpcError | undefined {
    const s = this.state;
    if (s === "closed") return undefined;
    if (s === "half-open" && this.probes < this.options.halfOpenProbes) {
      this.probes++;
      return undefined;
    }
    return this.openError();
  }

  onSuccess(): void {
    if (this.stateValue === "half-open") {
      this.probes = Math.max(0, this.probes - 1);
      if (++this.probeSuccesses >= this.options.successesToClose) this.close();
      return;
    }
    this.streak = 0;
    this.window.record(true, this.options.clock.now());
  }

  onFailure(): void {
    if (this.stateValue === "half-open") return this.open("a probe failed while half-open");
    const o = this.options, now = o.clock.now();
    this.window.record(false, now);
    this.streak++;
    if (o.consecutiveFailures > 0 && this.streak >= o.consecutiveFailures) return this.open(`${this.streak} consecutive failures`);
    const n = this.window.total(now);
    if (n >= o.minSamples && n > 0) {
      const rate = this.window.errorRate(now);
      if (rate >= o.errorRate) this.open(`error rate ${(rate * 100).toFixed(0)}% over ${n} calls`);
    }
  }

  /** Report an outcome: failures are what `isFailure` says; CANCELLED says nothing; other errors count as successes. */
  record(err: RpcError | undefined): void {
    if (err !== undefined && err.code === Code.Canceled) this.onIgnored();
    else if (err === undefined || !this.options.isFailure(err)) this.onSuccess();
    else this.onFailure();
  }

  /** A call that took a slot ended without an outcome that says anything (e.g. cancelled). */
  onIgnored(): void {
    if (this.stateValue === "half-open") this.probes = Math.max(0, this.probes - 1);
  }

  /** The fail-fast error of an open breaker. */
  openError(): RpcError {
    const left = Math.max(0, this.options.coolingMs - (this.options.clock.now() - this.openedAt));
    return new RpcError(Code.Unavailable, `circuit breaker open for ${this.name} (${this.why}); failing fast, next probe in ${left}ms`);
  }

  private open(why: string): void {
    this.stateValue = "open";
    this.why = why;
    this.openedAt = this.options.clock.now();
    this.probes = this.probeSuccesses = 0;
  }

  private halfOpen(): void {
    this.stateValue = "half-open";
    this.probes = this.probeSuccesses = 0;
  }

  private close(): void {
    this.stateValue = "closed";
    this.streak = 0;
    this.probes = this.probeSuccesses = 0;
    this.window.reset();
  }
}
