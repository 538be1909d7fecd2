import { Code, RpcError, type CallScope } from "../../core/index.js";
import { ClientContext, type CallContext } from "../../rpc/index.js";

/** What a transport needs to notice a call's abort, without making an AbortSignal. */
export type AbortSource = Pick<CallScope, "reason" | "onAbort" | "offAbort">;

/**
 * The abort source of a call: its scope when the context has one (no AbortSignal is created),
 * else its `signal`.
 */
export function abortSourceOf(ctx: CallContext): AbortSource {
  if (ctx instanceof ClientContext) return ctx.scope;
  const signal = ctx.signal;
  const wrapped = new Map<(r: RpcError) => void, () => void>();
  return {
    get reason() {
      return signal.aborted ? RpcError.from(signal.reason, Code.Canceled) : undefined;
    },
    onAbort(listener) {
      if (signal.aborted) return listener(RpcError.from(signal.reason, Code.Canceled));
      const w = () => listener(RpcError.from(signal.reason, Code.Canceled));
      wrapped.set(listener, w);
      signal.addEventListener("abort", w, { once: true });
    },
    offAbort(listener) {
      const w = wrapped.get(listener);
      if (w) signal.removeEventListener("abort", w);
      wrapped.delete(listener);
    },
  };
}

/** Settles with `p`, or rejects with the abort reason as soon as the source aborts. */
export function untilAborted<T>(p: Promise<T>, source: AbortSource): Promise<T> {
  if (source.reason) return Promise.reject(source.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (reason: RpcError) => reject(reason);
    source.onAbort(onAbort);
    p.then(
      (v) => { source.offAbort(onAbort); resolve(v); },
      (e: unknown) => { source.offAbort(onAbort); reject(e); },
    );
  });
}
