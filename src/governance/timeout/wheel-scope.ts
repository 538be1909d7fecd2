import { Code, RpcError, type CallScope } from "../../core/index.js";
import { wheelAdd, wheelRemove, type WheelEntry } from "../../core/deadline-wheel.js";

type Listener = (reason: RpcError) => void;

/**
 * @internal A call scope whose deadline is kept on a shared timing wheel instead of a timer of its
 * own: adding and removing a scope is a few array operations, and one timer serves every scope
 * (deadlines fire up to `WHEEL_TICK_MS` late). Used for the derived contexts of `timeout()`.
 */
export class WheelScope implements CallScope, WheelEntry {
  reason: RpcError | undefined;
  /** @internal */
  wheelSlot: WheelEntry[] | undefined = undefined;
  /** @internal */
  wheelIndex = 0;
  private controller: AbortController | undefined;
  private listener: Listener | undefined;
  private listeners: Listener[] | undefined;

  /** `now`: the caller's reading of Date.now() (default: read here). */
  constructor(readonly deadline: number, private readonly timeoutMs: number, now = Date.now()) {
    if (deadline <= now) this.onWheelExpire();
    else wheelAdd(this);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  /** @internal The wheel reached the deadline. */
  onWheelExpire(): void {
    this.abort(new RpcError(Code.DeadlineExceeded, `deadline exceeded after ${Math.round(this.timeoutMs)}ms`));
  }

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

  onAbort(listener: Listener): void {
    if (this.reason !== undefined) return listener(this.reason);
    if (this.listener === undefined) this.listener = listener;
    else (this.listeners ??= []).push(listener);
  }

  offAbort(listener: Listener): void {
    if (this.listener === listener) this.listener = undefined;
    else if (this.listeners !== undefined) {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    }
  }

  dispose(): void {
    wheelRemove(this);
  }
}
