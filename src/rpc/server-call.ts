import { channels, type CallScope, type RpcError } from "../core/index.js";
import type { ServerCallContext } from "./context.js";
import type { Route } from "./router.js";

/**
 * The one server-call lifecycle every transport drives (gRPC, Thrift and TTHeader, in-process):
 *
 * 1. the transport finds the route (`Router.lookup`, or Thrift's service and method names) and
 *    builds the call's context, which is its scope (`ServerContext`, `GrpcServerContext`);
 * 2. `beginServerCall` publishes `weir:rpc:server-call-start`; `invokeRoute` runs the route:
 *    middleware, then the handler;
 * 3. the scope aborts on disconnect (the transport's `ServerCalls.abortAll` for a connection, or
 *    its stream's close), on the deadline (the scope's own, on the deadline wheel), on shutdown
 *    past its grace (the transport cancels its calls);
 * 4. the transport writes the result, or the error in its protocol's form (gRPC status trailers,
 *    Thrift `TApplicationException` or a declared exception, TTHeader biz-error keys);
 * 5. `endServerCall` publishes `weir:rpc:server-call-end` (and `-error` for a failure) and
 *    completes the scope: a signal still held by work the handler started aborts.
 *
 * Publishing costs a property read when nobody subscribes (`hasSubscribers`).
 */

/** Message of `weir:rpc:server-call-start`. */
export interface ServerCallStartMessage { readonly ctx: ServerCallContext }
/** Message of `weir:rpc:server-call-end`: `error` is set when the call failed. */
export interface ServerCallEndMessage { readonly ctx: ServerCallContext; readonly error: RpcError | undefined }
/** Message of `weir:rpc:server-call-error`. */
export interface ServerCallErrorMessage { readonly ctx: ServerCallContext; readonly error: RpcError }

/** The call is accepted (its route found, its context built): publish its start. @internal */
export function beginServerCall(ctx: ServerCallContext): void {
  if (channels.serverCallStart.hasSubscribers) channels.serverCallStart.publish({ ctx } satisfies ServerCallStartMessage);
}

/** Run a call's route (middleware, handler); a handler that throws synchronously rejects. @internal */
export function invokeRoute(route: Route, request: unknown, ctx: ServerCallContext): Promise<unknown> {
  try {
    return route.invoke({ method: route.method, request, ctx });
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * The call is over: OK without `error`, else failed with it (already in the form sent to the
 * client). Publishes its end and completes or aborts its scope. Call once per call. @internal
 */
export function endServerCall(ctx: ServerCallContext, error?: RpcError): void {
  if (error !== undefined && channels.serverCallError.hasSubscribers) {
    channels.serverCallError.publish({ ctx, error } satisfies ServerCallErrorMessage);
  }
  if (channels.serverCallEnd.hasSubscribers) channels.serverCallEnd.publish({ ctx, error } satisfies ServerCallEndMessage);
  if (error === undefined) ctx.scope.complete();
  else {
    ctx.scope.abort(error);
    ctx.scope.dispose();
  }
}

/** Settles with `p`, or rejects with the scope's reason as soon as it aborts. @internal */
export function untilAborted<T>(p: Promise<T>, scope: CallScope): Promise<T> {
  const reason = scope.reason;
  if (reason !== undefined) return Promise.reject(reason);
  return new Promise<T>((resolve, reject) => {
    scope.onAbort(reject);
    p.then(
      (v) => { scope.offAbort(reject); resolve(v); },
      (e: unknown) => { scope.offAbort(reject); reject(e); },
    );
  });
}

/**
 * The calls in progress on one connection (or one server): each call adds its scope while it runs;
 * when the peer goes away, or the server gives up on them at shutdown, they all abort. @internal
 */
export class ServerCalls {
  private readonly scopes = new Set<CallScope>();

  get size(): number {
    return this.scopes.size;
  }

  add(scope: CallScope): void {
    this.scopes.add(scope);
  }

  delete(scope: CallScope): void {
    this.scopes.delete(scope);
  }

  /** Abort every call in progress with `reason` (their handlers' `ctx.signal` aborts). */
  abortAll(reason: RpcError): void {
    if (this.scopes.size === 0) return;
    const all = [...this.scopes];
    this.scopes.clear();
    for (const scope of all) scope.abort(reason);
  }
}
