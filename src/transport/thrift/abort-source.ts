import type { CallScope } from "../../core/index.js";
import type { CallContext } from "../../rpc/index.js";

/** What a transport needs to notice a call's abort, without making an AbortSignal: `ctx.scope`. */
export type AbortSource = Pick<CallScope, "reason" | "onAbort" | "offAbort">;

/** The abort source of a call: its scope (no AbortSignal is created). */
export function abortSourceOf(ctx: CallContext): AbortSource {
  return ctx.scope;
}
