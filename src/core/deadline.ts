import { Code } from "./code.js";
import { RpcError } from "./rpc-error.js";

/**
 * A call scope joins a caller's signal and a deadline into one AbortSignal whose reason is an RpcError.
 * `remainingMs()` feeds grpc-timeout and the TTHeader RPC-timeout key; call `dispose()` in `finally`.
 * The AbortSignal is created on first use of `signal`; `onAbort` and `reason` do not create it.
 */
export interface CallScope {
  readonly signal: AbortSignal;
  /** Absolute deadline in ms since the epoch, if any. */
  readonly deadline: number | undefined;
  /** The RpcError the scope was aborted with, or undefined while it runs. */
  readonly reason: RpcError | undefined;
  remainingMs(): number | undefined;
  /** Abort the scope (e.g. the call finished or the peer went away). */
  abort(reason: RpcError): void;
  /** Call `listener` once when the scope aborts (at once if it already has). */
  onAbort(listener: (reason: RpcError) => void): void;
  /** Remove a listener added with `onAbort`. */
  offAbort(listener: (reason: RpcError) => void): void;
  dispose(): void;
}

export interface CallScopeOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Absolute deadline (ms since the epoch or a Date); the earlier of this and `timeoutMs` wins. */
  deadline?: number | Date | undefined;
}

export function createCallScope(opts: CallScopeOptions = {}): CallScope {
  return new Scope(opts);
}

type AbortListener = (reason: RpcError) => void;

function fireDeadline(scope: Scope, ms: number): void {
  scope.abort(new RpcError(Code.DeadlineExceeded, `deadline exceeded after ${Math.max(0, Math.round(ms))}ms`));
}

/** A scope costs a few fields until someone asks for its AbortSignal. */
class Scope implements CallScope {
  readonly deadline: number | undefined;
  reason: RpcError | undefined;
  private controller: AbortController | undefined;
  private listener: AbortListener | undefined;
  private listeners: AbortListener[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly parent: AbortSignal | undefined;

  constructor(opts: CallScopeOptions) {
    const parent = opts.signal;
    const now = opts.deadline === undefined && opts.timeoutMs === undefined ? 0 : Date.now();
    let deadline = opts.deadline === undefined ? undefined : +opts.deadline;
    if (opts.timeoutMs !== undefined) deadline = Math.min(deadline ?? Infinity, now + opts.timeoutMs);
    this.deadline = deadline;
    if (deadline !== undefined) {
      const ms = deadline - now;
      if (ms <= 0) fireDeadline(this, ms);
      else this.timer = setTimeout(fireDeadline, Math.min(ms, 2 ** 31 - 1), this, ms);
    }
    this.parent = parent;
    if (parent !== undefined) {
      if (parent.aborted) this.handleEvent();
      else parent.addEventListener("abort", this, { once: true });
    }
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** The parent signal aborted. */
  handleEvent(): void {
    this.abort(RpcError.from(this.parent?.reason ?? undefined, Code.Canceled));
  }

  remainingMs(): number | undefined {
    return this.deadline === undefined ? undefined : Math.max(0, this.deadline - Date.now());
  }

  abort(reason: RpcError): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.controller?.abort(reason);
    const one = this.listener, many = this.listeners;
    this.listener = undefined;
    this.listeners = undefined;
    one?.(reason);
    if (many !== undefined) for (const l of many) l(reason);
  }

  onAbort(listener: AbortListener): void {
    if (this.reason !== undefined) return listener(this.reason);
    if (this.listener === undefined) this.listener = listener;
    else (this.listeners ??= []).push(listener);
  }

  offAbort(listener: AbortListener): void {
    if (this.listener === listener) this.listener = undefined;
    else if (this.listeners !== undefined) {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    }
  }

  readonly dispose = (): void => {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.parent?.removeEventListener("abort", this);
  };
}

/** The RpcError an aborted signal stands for. */
export function abortReason(signal: AbortSignal): RpcError {
  return RpcError.from(signal.reason, Code.Canceled);
}
