import { AsyncLocalStorage } from "node:async_hooks";
import type { CallContext, Middleware, Next, ServerCallContext } from "../../rpc/index.js";
import { RETRY_MARK, RETRY_MARK_TTHEADER } from "../keys.js";

const inbound = new AsyncLocalStorage<string>();

/** @internal The retry mark of the request being served in this async context, if it had one. */
export function inboundRetryMark(): string | undefined {
  return inbound.getStore();
}

/**
 * Server middleware for retry chain stop: while a request that is itself a retry (it carries
 * `rpc-persist-retryreq`, or Kitex's TTHeader key `RPC_PERSIST_RetryReq`) is being handled, client
 * calls made from its handler are not retried by `retry()` and carry the mark on. Requests without
 * the mark cost one metadata lookup. The mark follows the handler's async work; for work that
 * escapes it (timers started elsewhere, streams read later), forward the metadata with `downstream(ctx)`.
 *
 * @example
 * createServer({ middleware: [chainStop()] })
 */
export function chainStop(): Middleware<ServerCallContext> {
  return (<C extends CallContext>(next: Next<C>): Next<C> => (call) => {
    const md = call.ctx.requestMetadata;
    const mark = md.size === 0 ? undefined : md.getString(RETRY_MARK) ?? md.getString(RETRY_MARK_TTHEADER);
    return mark === undefined ? next(call) : inbound.run(mark, next, call);
  }) as Middleware<ServerCallContext>;
}
