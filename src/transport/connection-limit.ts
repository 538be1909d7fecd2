import type { Http2Session, IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { Code, RpcError } from "../core/index.js";
import { respondTrailersOnly } from "./grpc/server-send.js";

/** A refused connection that never opens a stream is closed after this long. */
const REFUSED_IDLE_MS = 5_000;

/** The retry hint sent to refused connections' calls (`retry-after` / `retry-after-ms`). */
const RETRY_AFTER_MS = 1_000;

const kRefused = Symbol("weir.refusedConnection");
type MarkedSession = Http2Session & { [kRefused]?: RefusedState };

interface RefusedState {
  closing: boolean;
  timer: NodeJS.Timeout;
}

/**
 * @internal The server's cap on open HTTP/2 connections. A connection over the cap is not cut:
 * every call it opens is answered trailers-only with RESOURCE_EXHAUSTED (and a retry hint), then
 * the connection gets a GOAWAY and closes, so clients see RESOURCE_EXHAUSTED rather than a reset.
 * Refused connections do not count toward the cap.
 */
export class ConnectionLimit {
  private accepted = 0;

  constructor(readonly max: number) {
    if (!(max >= 1) || (Number.isFinite(max) && !Number.isInteger(max))) {
      throw new RpcError(Code.InvalidArgument, `maxConnections must be an integer >= 1 or Infinity, got ${max}`);
    }
  }

  /** Count a new connection; returns false (and marks it refused) when it is over the cap. */
  admit(session: Http2Session): boolean {
    if (this.accepted >= this.max) {
      const timer = setTimeout(() => session.destroy(), REFUSED_IDLE_MS);
      timer.unref();
      (session as MarkedSession)[kRefused] = { closing: false, timer };
      session.once("close", () => clearTimeout(timer));
      return false;
    }
    this.accepted++;
    session.once("close", () => this.accepted--);
    return true;
  }

  /** Connections counted against the cap. */
  get open(): number {
    return this.accepted;
  }

  /**
   * Wrap a stream handler: streams of refused connections are answered with RESOURCE_EXHAUSTED,
   * the rest go to `handle`.
   */
  wrap(handle: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags?: number, raw?: string[]) => void) {
    const max = this.max;
    return (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags?: number, raw?: string[]): void => {
      const state = (stream.session as MarkedSession | undefined)?.[kRefused];
      if (state === undefined) return handle(stream, headers, flags, raw);
      stream.on("error", ignore);
      refuse(stream, headers, max);
      if (state.closing) return;
      state.closing = true;
      // Streams that arrived in the same read are answered too; then GOAWAY and close.
      setImmediate(closeSession, stream.session);
    };
  }
}

function refuse(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, max: number): void {
  const ct = headers["content-type"];
  const contentType = typeof ct === "string" && ct.startsWith("application/grpc") ? ct : "application/grpc";
  const err = new RpcError(Code.ResourceExhausted, `the server's limit of ${max} connections is reached; try again later`, {
    metadata: { "retry-after": String(Math.ceil(RETRY_AFTER_MS / 1000)), "retry-after-ms": String(RETRY_AFTER_MS) },
  });
  respondTrailersOnly(stream, contentType, err, undefined, undefined);
}

function closeSession(session: Http2Session | undefined): void {
  if (session !== undefined && !session.closed && !session.destroyed) session.close();
}

function ignore(): void {}
