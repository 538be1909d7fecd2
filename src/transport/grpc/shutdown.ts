import type { Http2Session } from "node:http2";
import type { Server as NetServer } from "node:net";
import { Code, RpcError } from "../../core/index.js";
import type { GrpcServerEngine } from "./server.js";

/** Time given to cancelled calls' statuses to reach their clients before connections are cut. */
const CANCEL_FLUSH_MS = 1000;

/** @internal What a graceful shutdown acts on. */
export interface ShutdownTarget {
  readonly listener: NetServer;
  readonly sessions: ReadonlySet<Http2Session>;
  readonly engine: GrpcServerEngine;
}

/**
 * @internal Graceful shutdown: stop accepting connections, send GOAWAY on every connection (calls
 * in flight go on, new ones are refused), wait up to `graceMs` for them to finish, then cancel the
 * rest: each handler's `ctx.signal` aborts and its client gets UNAVAILABLE. Connections still
 * open a moment later are destroyed.
 */
export async function shutdown(target: ShutdownTarget, graceMs: number): Promise<void> {
  const { listener, sessions, engine } = target;
  const stopped = new Promise<void>((resolve) => {
    if (!listener.listening) return resolve();
    listener.close(() => resolve());
  });
  for (const session of sessions) goaway(session);
  if (!(await allClosed(sessions, graceMs))) {
    engine.cancelAll(new RpcError(Code.Unavailable, "the server shut down before the call finished"));
    if (!(await allClosed(sessions, CANCEL_FLUSH_MS))) for (const session of sessions) session.destroy();
  }
  await stopped;
}

/** GOAWAY: no new streams on this connection; it closes when its last stream ends. */
export function goaway(session: Http2Session): void {
  if (!session.closed && !session.destroyed) session.close();
}

/** Resolves true once every session has closed, or false after `ms`. */
function allClosed(sessions: ReadonlySet<Http2Session>, ms: number): Promise<boolean> {
  const open = [...sessions].filter((s) => !s.destroyed);
  if (open.length === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    let left = open.length;
    const timer = Number.isFinite(ms) ? setTimeout(() => resolve(false), ms) : undefined;
    for (const s of open) {
      s.once("close", () => {
        if (--left === 0) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    }
  });
}
