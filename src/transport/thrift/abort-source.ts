import type { CallScope, RpcError } from "../../core/index.js";
import type { CallContext } from "../../rpc/index.js";

/** What a transport needs to notice a call's abort, without making an AbortSignal: `ctx.scope`. */
export type AbortSource = Pick<CallScope, "reason" | "onAbort" | "offAbort">;

/** The abort source of a call: its scope (no AbortSignal is created). */
export function abortSourceOf(ctx: CallContext): AbortSource {
  return ctx.scope;
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
