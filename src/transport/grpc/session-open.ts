import http2 from "node:http2";
import net from "node:net";
import { Code, RpcError, channels } from "../../core/index.js";
import { rpcErrorFromNodeError } from "../node-error.js";
import type { ResolvedGrpcTransportOptions } from "./client-options.js";

/** Stream slots taken on the session: calls running or about to start on it. @internal */
export const kActive = Symbol("weir.activeStreams");
/** The most streams the server allows at once on the session (assumed until its SETTINGS arrive). @internal */
export const kMax = Symbol("weir.maxStreams");
/** The server's SETTINGS arrived. @internal */
export const kReady = Symbol("weir.sessionReady");
/** The session takes no new calls (closing or draining). @internal */
export const kRetired = Symbol("weir.sessionRetired");
/** Closes a spare session that stayed idle. @internal */
export const kSpareTimer = Symbol("weir.spareTimer");
/** The error the session failed with, if any. @internal */
export const kError = Symbol("weir.sessionError");

/** A client session with the counters of its connection pool. @internal */
export type PooledSession = http2.ClientHttp2Session & {
  [kActive]: number;
  [kMax]: number;
  [kReady]: boolean;
  [kRetired]: boolean;
  [kSpareTimer]: NodeJS.Timeout | undefined;
  [kError]?: unknown;
};

/** What the pool hears of one session. @internal */
export interface SessionEvents {
  /** SETTINGS from the server (the first ones: the session is ready), with its concurrent stream limit. */
  onSettings(maxConcurrentStreams: number): void;
  /** The connection could not be established. */
  onConnectFailed(e: RpcError): void;
  onGoaway(): void;
  /** The session closed; `connected` says whether it ever got the server's SETTINGS. */
  onClose(connected: boolean): void;
}

/** Node reports this (2^32 - 1) when the server sets no limit. */
const UNLIMITED = 2 ** 31 - 1;

/**
 * Open one HTTP/2 connection to the transport's target. It counts as connected once the server
 * has spoken HTTP/2 (its SETTINGS), not merely when TCP/TLS connected; an attempt that takes
 * longer than `connectTimeoutMs` is destroyed.
 * @internal
 */
export function openSession(o: ResolvedGrpcTransportOptions, assumedMaxStreams: number, events: SessionEvents, connectWithinMs = o.connectTimeoutMs): PooledSession {
  const t = o.target;
  const session = http2.connect(t.origin, {
    settings: { enablePush: false, initialWindowSize: o.streamWindowBytes },
    maxSessionMemory: 64,
    ...(t.socketPath !== undefined ? { createConnection: () => net.connect(t.socketPath!) } : {}),
    ...(t.secure ? tlsOptions(o) : {}),
  }) as PooledSession;
  session[kActive] = 0;
  session[kMax] = assumedMaxStreams;
  session[kReady] = false;
  session[kRetired] = false;
  session[kSpareTimer] = undefined;
  let connected = false;
  const timer = setTimeout(() => {
    session.destroy(new RpcError(Code.Unavailable, `connection to ${t.authority} not established within ${o.connectTimeoutMs}ms`));
  }, connectWithinMs);
  timer.unref();
  session.on("remoteSettings", (settings) => {
    if (session.destroyed) return; // closed while connecting: its settings can no longer be changed
    if (!connected) {
      connected = true;
      clearTimeout(timer);
      session.setLocalWindowSize(Math.max(o.streamWindowBytes * 16, 1 << 24));
      if (o.keepaliveTimeMs !== undefined) keepalive(session, o.keepaliveTimeMs, o.keepaliveTimeoutMs);
    }
    events.onSettings(Math.min(settings.maxConcurrentStreams ?? UNLIMITED, UNLIMITED));
  });
  session.on("error", (e) => {
    session[kError] ??= e;
    if (!connected) events.onConnectFailed(rpcErrorFromNodeError(e, Code.Unavailable));
    if (channels.transportError.hasSubscribers) channels.transportError.publish({ target: t.authority, error: e, connected });
  });
  session.on("goaway", () => events.onGoaway());
  session.once("close", () => {
    clearTimeout(timer);
    events.onClose(connected);
  });
  return session;
}

function keepalive(session: http2.ClientHttp2Session, timeMs: number, timeoutMs: number): void {
  const tick = setInterval(() => {
    if (session.destroyed) return clearInterval(tick);
    const deadline = setTimeout(() => {
      session.destroy(new RpcError(Code.Unavailable, `keepalive ping not answered within ${timeoutMs}ms`));
    }, timeoutMs);
    deadline.unref();
    const sent = session.ping(() => clearTimeout(deadline));
    if (!sent) clearTimeout(deadline);
  }, timeMs);
  tick.unref();
  session.once("close", () => clearInterval(tick));
}

function tlsOptions(o: ResolvedGrpcTransportOptions): http2.SecureClientSessionOptions {
  const tls = o.tls ?? {};
  const servername = tls.servername ?? (net.isIP(o.target.host) ? undefined : o.target.host);
  return {
    ALPNProtocols: ["h2"],
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    ...(servername !== undefined ? { servername } : {}),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}
