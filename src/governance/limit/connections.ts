import type { CallContext, Middleware, Next } from "../../rpc/index.js";
import { returnsStream } from "../../rpc/index.js";
import { afterCall } from "../stream-util.js";
import { overLimit } from "./rate-limit.js";
import { Code, RpcError } from "../../core/index.js";

/**
 * Options of `connectionLimit()`.
 *
 * @example
 * connectionLimit({ max: 1000 })
 */
export interface ConnectionLimitOptions {
  /** Connections that may have calls in flight at once. Required (>= 1). */
  max: number;
  /** The retry hint sent with RESOURCE_EXHAUSTED. Default 1000 ms. */
  retryAfterMs?: number;
}

/**
 * Server-side limit of busy connections: a call arriving on a connection (`ctx.peer`, the remote
 * address and port) that has no call in flight while `max` other connections do fails with
 * RESOURCE_EXHAUSTED and a retry hint; calls on connections already busy go on. Idle connections
 * cost a server little and are not counted; for a hard cap on open sockets set
 * `server.httpServer.maxConnections` (Node closes sockets beyond it at once, which clients see
 * as UNAVAILABLE).
 */
export function connectionLimit(options: ConnectionLimitOptions): Middleware {
  const max = options.max;
  if (!Number.isInteger(max) || max < 1) throw new RpcError(Code.InvalidArgument, `connectionLimit max must be an integer >= 1, got ${max}`);
  const retryAfterMs = options.retryAfterMs ?? 1000;
  const busy = new Map<string, number>();
  return <C extends CallContext>(next: Next<C>): Next<C> => (call) => {
    const peer = call.ctx.peer;
    const n = busy.get(peer);
    if (n === undefined && busy.size >= max) {
      return Promise.reject(overLimit(`connection limit of ${max} busy connections reached`, retryAfterMs));
    }
    busy.set(peer, (n ?? 0) + 1);
    let p: Promise<unknown>;
    try { p = next(call); } catch (e) { p = Promise.reject(e); }
    return afterCall(p, returnsStream(call.method), () => {
      const left = busy.get(peer)! - 1;
      if (left === 0) busy.delete(peer);
      else busy.set(peer, left);
    });
  };
}
