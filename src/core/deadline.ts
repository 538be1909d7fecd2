import { Code } from "./code.js";
import { RpcError } from "./rpc-error.js";

/**
 * A call scope joins a caller's signal and a deadline into one AbortSignal whose reason is an RpcError.
 * `remainingMs()` feeds grpc-timeout and the TTHeader RPC-timeout key; call `dispose()` in `finally`.
 */
export interface CallScope {
  readonly signal: AbortSignal;
  /** Absolute deadline in ms since the epoch, if any. */
  readonly deadline: number | undefined;
  remainingMs(): number | undefined;
  /** Abort the scope (e.g. the call finished or the peer went away). */
  abort(reason: RpcError): void;
  dispose(): void;
}

export interface CallScopeOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Absolute deadline (ms since the epoch or a Date); the earlier of this and `timeoutMs` wins. */
  deadline?: number | Date | undefined;
}

export function createCallScope(opts: CallScopeOptions = {}): CallScope {
  const controller = new AbortController();
  const parent = opts.signal;
  const now = Date.now();
  let deadline = opts.deadline === undefined ? undefined : +opts.deadline;
  if (opts.timeoutMs !== undefined) deadline = Math.min(deadline ?? Infinity, now + opts.timeoutMs);
  const onParentAbort = () => controller.abort(RpcError.from(parent?.reason, Code.Canceled));
  let timer: NodeJS.Timeout | undefined;
  if (deadline !== undefined) {
    const ms = deadline - now;
    const fire = () =>
      controller.abort(new RpcError(Code.DeadlineExceeded, `deadline exceeded after ${Math.max(0, Math.round(ms))}ms`));
    if (ms <= 0) fire();
    else timer = setTimeout(fire, Math.min(ms, 2 ** 31 - 1));
  }
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  return {
    signal: controller.signal,
    deadline,
    remainingMs: () => (deadline === undefined ? undefined : Math.max(0, deadline - Date.now())),
    abort: (reason) => controller.abort(reason),
    dispose() {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener("abort", onParentAbort);
    },
  };
}

/** The RpcError an aborted signal stands for. */
export function abortReason(signal: AbortSignal): RpcError {
  return RpcError.from(signal.reason, Code.Canceled);
}
