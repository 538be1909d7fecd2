import { abortReason, type RpcError } from "../../core/index.js";
import { ClientContext, type ClientCallContext } from "../../rpc/index.js";

/** The reason a call's context is already aborted, without creating its AbortSignal. @internal */
export function abortedReason(ctx: ClientCallContext): RpcError | undefined {
  if (ctx instanceof ClientContext) return ctx.scope.reason;
  return ctx.signal.aborted ? abortReason(ctx.signal) : undefined;
}
