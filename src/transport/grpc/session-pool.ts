import http2 from "node:http2";
import net from "node:net";
import { Code, RpcError, channels } from "../../core/index.js";
import { rpcErrorFromNodeError } from "../node-error.js";
import { Backoff } from "./backoff.js";
import type { ConnectivityState, ResolvedGrpcTransportOptions } from "./client-options.js";

const kActive = Symbol("weir.activeStreams");
const kError = Symbol("weir.sessionError");
type CountedSession = http2.ClientHttp2Session & { [kActive]?: number; [kError]?: unknown };

/** The error a session failed with, if any. @internal */
export function sessionError(session: http2.ClientHttp2Session): unknown {
  return (session as CountedSession)[kError];
}
type Waiter = { resolve: (s: http2.ClientHttp2Session) => void; reject: (e: RpcError) => void };

/**
 * The one HTTP/2 connection of a client transport: opened on first use, shared by every call,
 * replaced when it closes or receives GOAWAY. A failed attempt starts a backoff period; calls
 * made during it fail fast with UNAVAILABLE (or wait, with `waitForReady`).
 * @internal
 */
export class SessionPool {
  private session: http2.ClientHttp2Session | undefined;
  private stateValue: ConnectivityState = "idle";
  private readonly backoff: Backoff;
  private backoffTimer: NodeJS.Timeout | undefined;
  private backoffUntil = 0;
  private lastError: RpcError | undefined;
  private waiters: Waiter[] = [];

  constructor(private readonly options: ResolvedGrpcTransportOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  get state(): ConnectivityState {
    return this.stateValue;
  }

  /** The session to start a call on, or the RpcError that says why there is none right now. */
  acquire(): http2.ClientHttp2Session | RpcError {
    const s = this.session;
    if (s !== undefined) return s;
    switch (this.stateValue) {
      case "shutdown":
        return new RpcError(Code.Unavailable, "the transport is closed");
      case "transient-failure": {
        const ms = Math.max(0, this.backoffUntil - Date.now());
        const why = this.lastError?.rawMessage ?? "connection failed";
        return new RpcError(Code.Unavailable, `${why} (next connection attempt in ${ms}ms)`, { cause: this.lastError });
      }
      default:
        return this.connect();
    }
  }

  /** Wait until a session can be acquired (wait-for-ready), or the signal aborts. */
  whenReady(signal: AbortSignal): Promise<http2.ClientHttp2Session> {
    if (signal.aborted) return Promise.reject(RpcError.from(signal.reason, Code.Canceled));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (s) => { signal.removeEventListener("abort", onAbort); resolve(s); },
        reject: (e) => { signal.removeEventListener("abort", onAbort); reject(e); },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(RpcError.from(signal.reason, Code.Canceled));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Count a stream against the session; the socket keeps the process alive only while calls run. */
  streamStarted(session: http2.ClientHttp2Session): void {
    const s = session as CountedSession;
    if ((s[kActive] = (s[kActive] ?? 0) + 1) === 1) session.ref();
  }

  streamEnded(session: http2.ClientHttp2Session): void {
    const s = session as CountedSession;
    if ((s[kActive] = (s[kActive] ?? 1) - 1) === 0 && !session.destroyed) session.unref();
  }

  /** Close the connection; calls in flight fail with CANCELLED. */
  close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    clearTimeout(this.backoffTimer);
    this.setState("shutdown");
    this.flushWaiters(new RpcError(Code.Unavailable, "the transport is closed"));
    if (s === undefined || s.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      s.once("close", () => resolve());
      s.destroy(new RpcError(Code.Canceled, "the transport was closed while the call was in flight"));
    });
  }

  private connect(): http2.ClientHttp2Session {
    const o = this.options;
    const t = o.target;
    const session = http2.connect(t.origin, {
      settings: { enablePush: false, initialWindowSize: o.streamWindowBytes },
      maxSessionMemory: 64,
      ...(t.socketPath !== undefined ? { createConnection: () => net.connect(t.socketPath!) } : {}),
      ...(t.secure ? tlsOptions(o) : {}),
    });
    this.session = session;
    this.setState("connecting");
    let connected = false;
    const timer = setTimeout(() => {
      session.destroy(new RpcError(Code.Unavailable, `connection to ${t.authority} not established within ${o.connectTimeoutMs}ms`));
    }, Math.max(o.connectTimeoutMs, this.backoff.peek()));
    timer.unref();
    // ready once the server has spoken HTTP/2 (its SETTINGS), not merely when TCP/TLS connected
    session.once("remoteSettings", () => {
      connected = true;
      clearTimeout(timer);
      if (session.destroyed) return; // closed while connecting: its settings can no longer be changed
      this.backoff.reset();
      this.lastError = undefined;
      session.setLocalWindowSize(Math.max(o.streamWindowBytes * 16, 1 << 24));
      if (!(session as CountedSession)[kActive]) session.unref();
      if (o.keepaliveTimeMs !== undefined) this.keepalive(session, o.keepaliveTimeMs, o.keepaliveTimeoutMs);
      if (this.session === session) this.setState("ready");
      this.flushWaiters(session);
    });
    session.on("error", (e) => {
      (session as CountedSession)[kError] ??= e;
      if (!connected) this.lastError = rpcErrorFromNodeError(e, Code.Unavailable);
      if (channels.transportError.hasSubscribers) channels.transportError.publish({ target: t.authority, error: e, connected });
    });
    session.on("goaway", () => this.retire(session));
    session.once("close", () => {
      clearTimeout(timer);
      if (connected || this.session !== session) return this.retire(session);
      this.session = undefined; // a failed attempt: straight to backoff, never through idle
      if (this.stateValue !== "shutdown") this.startBackoff();
    });
    return session;
  }

  /** Stop handing out a session that is closing or draining; its calls run to their end. */
  private retire(session: http2.ClientHttp2Session): void {
    if (this.session !== session) return;
    this.session = undefined;
    if (this.stateValue === "ready" || this.stateValue === "connecting") this.setState("idle");
  }

  private startBackoff(): void {
    const delay = this.backoff.next();
    this.lastError ??= new RpcError(Code.Unavailable, `connection to ${this.options.target.authority} closed before it was established`);
    this.backoffUntil = Date.now() + delay;
    this.setState("transient-failure");
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.stateValue !== "transient-failure") return;
      this.setState("idle");
      if (this.waiters.length > 0) this.connect();
    }, delay);
    this.backoffTimer.unref();
  }

  private keepalive(session: http2.ClientHttp2Session, timeMs: number, timeoutMs: number): void {
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

  private flushWaiters(result: http2.ClientHttp2Session | RpcError): void {
    const ws = this.waiters;
    if (ws.length === 0) return;
    this.waiters = [];
    for (const w of ws) {
      if (result instanceof RpcError) w.reject(result);
      else w.resolve(result);
    }
  }

  private setState(state: ConnectivityState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.options.onStateChange?.(state);
  }
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
