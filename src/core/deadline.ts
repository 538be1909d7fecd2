import { Code } from "./code.js";
import { wheelAdd, wheelRemove, type WheelEntry } from "./deadline-wheel.js";
import { RpcError } from "./rpc-error.js";

/** Options of a call scope (`createCallScope`, and the contexts built on it). */
export interface CallScopeOptions {
  /** The caller's signal: its abort aborts the scope (CANCELLED, or the signal's RpcError reason). */
  signal?: AbortSignal | undefined;
  /** Relative time limit in ms; the earlier of it and `deadline` wins. */
  timeoutMs?: number | undefined;
  /** Absolute deadline (ms since the epoch or a Date); the earlier of it and `timeoutMs` wins. */
  deadline?: number | Date | undefined;
  /**
   * Put the deadline on the shared deadline wheel, which aborts the scope when it passes. Default
   * true; false when the owner watches the deadline itself (the gRPC server keeps a call's deadline
   * and its send timeout in one wheel entry) and aborts the scope then.
   */
  armDeadline?: boolean;
}

type AbortListener = (reason: RpcError) => void;

/**
 * The scope of one call, on either side, for every protocol: a deadline and a caller's signal
 * joined into one abort state whose reason is an RpcError. `remainingMs()` feeds grpc-timeout and
 * the TTHeader RPC-timeout key; call `dispose()` in `finally`.
 *
 * What costs: the deadline sits on the shared deadline wheel (`core/deadline-wheel.ts`: a few array
 * operations, no Node timer per call; it fires at most `WHEEL_TICK_MS` late), and the AbortSignal
 * is created on first use of `signal` — `reason`, `onAbort` and `offAbort` never create it, so a
 * call nobody asks the signal of allocates no AbortController. Call contexts extend this class:
 * a context is its own scope (`ctx.scope === ctx`), one object per call.
 */
export class CallScope {
  /** Absolute deadline in ms since the epoch, if any. */
  readonly deadline: number | undefined;
  /** The RpcError the scope was aborted with, or undefined while it runs. */
  reason: RpcError | undefined = undefined;
  /** @internal Position on the deadline wheel (owned by the wheel). */
  wheelSlot: WheelEntry[] | undefined = undefined;
  /** @internal */
  wheelIndex = 0;
  /** @internal When the wheel expires the scope (its deadline). */
  expiresAt = 0;
  private controller: AbortController | undefined = undefined;
  private listener: AbortListener | undefined = undefined;
  private listeners: AbortListener[] | undefined = undefined;
  private readonly callerSignal: AbortSignal | undefined;
  /** The time limit the deadline came from, for the abort message. */
  private readonly limitMs: number;

  constructor(opts: CallScopeOptions = {}) {
    const { deadline: at, timeoutMs, signal } = opts;
    let deadline: number | undefined, now = 0;
    if (at !== undefined || timeoutMs !== undefined) {
      now = Date.now();
      deadline = at === undefined ? undefined : +at;
      if (timeoutMs !== undefined) deadline = Math.min(deadline ?? Infinity, now + timeoutMs);
    }
    this.deadline = deadline;
    this.limitMs = deadline === undefined ? 0 : deadline - now;
    this.callerSignal = signal;
    if (deadline !== undefined && opts.armDeadline !== false) {
      if (deadline <= now) this.onWheelExpire();
      else {
        this.expiresAt = deadline;
        wheelAdd(this);
      }
    }
    if (signal !== undefined) {
      if (signal.aborted) this.handleEvent();
      else signal.addEventListener("abort", this, { once: true });
    }
  }

  /** Aborted on deadline, cancellation or disconnect; the reason is an RpcError. Created on first use. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** The scope itself: what the `CallContext` interface reaches the abort state through. */
  get scope(): CallScope {
    return this;
  }

  /** Ms left before the deadline, or undefined without one. */
  remainingMs(): number | undefined {
    return this.deadline === undefined ? undefined : Math.max(0, this.deadline - Date.now());
  }

  /** Abort the scope (e.g. the call finished or the peer went away); the first reason wins. */
  abort(reason: RpcError): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    wheelRemove(this);
    this.controller?.abort(reason);
    const one = this.listener, many = this.listeners;
    this.listener = this.listeners = undefined;
    one?.(reason);
    if (many !== undefined) for (const l of many) l(reason);
  }

  /** Call `listener` once when the scope aborts (at once if it already has). */
  onAbort(listener: AbortListener): void {
    if (this.reason !== undefined) return listener(this.reason);
    if (this.listener === undefined) this.listener = listener;
    else (this.listeners ??= []).push(listener);
  }

  /** Remove a listener added with `onAbort`. */
  offAbort(listener: AbortListener): void {
    if (this.listener === listener) this.listener = undefined;
    else if (this.listeners !== undefined) {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    }
  }

  /**
   * The call is over: whoever still holds the signal or listens sees it abort (CANCELLED, "the
   * call has completed"), so work tied to it stops; then the scope is disposed. A scope nobody
   * listens to stays as it is (no error is built).
   */
  complete(): void {
    if (this.reason === undefined && (this.controller !== undefined || this.listener !== undefined || this.listeners !== undefined)) {
      this.abort(new RpcError(Code.Canceled, "the call has completed"));
    }
    this.dispose();
  }

  /** Take the deadline off the wheel and stop listening to the caller's signal. Idempotent. */
  dispose(): void {
    wheelRemove(this);
    this.callerSignal?.removeEventListener("abort", this);
  }

  /** @internal The caller's signal aborted. */
  handleEvent(): void {
    this.abort(RpcError.from(this.callerSignal?.reason, Code.Canceled));
  }

  /** @internal The wheel reached the deadline (or it had passed at creation). */
  onWheelExpire(): void {
    this.abort(new RpcError(Code.DeadlineExceeded, `deadline exceeded after ${Math.max(0, Math.round(this.limitMs))}ms`));
  }
}

/** A call scope joining a caller's signal and a deadline. */
export function createCallScope(opts: CallScopeOptions = {}): CallScope {
  return new CallScope(opts);
}

/** The RpcError an aborted signal stands for. */
export function abortReason(signal: AbortSignal): RpcError {
  return RpcError.from(signal.reason, Code.Canceled);
}
