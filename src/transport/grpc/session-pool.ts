import type http2 from "node:http2";
import { Code, RpcError } from "../../core/index.js";
import type { ClientCallContext } from "../../rpc/index.js";
import { Backoff } from "./backoff.js";
import type { ConnectivityState, ResolvedGrpcTransportOptions } from "./client-options.js";
import { openSession, kActive, kError, kMax, kReady, kRetired, kSpareTimer, type PooledSession } from "./session-open.js";
import { StreamWaiters } from "./stream-waiters.js";

/** The error a session failed with, if any. @internal */
export function sessionError(session: http2.ClientHttp2Session): unknown {
  return (session as PooledSession)[kError];
}
type ReadyWaiter = { resolve: () => void; reject: (e: RpcError) => void };

/** What a transport's connections carry now. */
export interface PoolStats {
  /** HTTP/2 connections open or being opened (draining ones not counted). */
  readonly connections: number;
  /** Streams counted against them: calls running or about to start. */
  readonly streams: number;
  /** Calls waiting for a free stream. */
  readonly waitingCalls: number;
}

/**
 * The HTTP/2 connections of a client transport. Every call takes a stream slot on a connection
 * when it starts (`acquire`) and gives it back when its stream closes (`streamEnded`); a
 * connection has as many slots as its server allows concurrent streams (SETTINGS_MAX_CONCURRENT_STREAMS).
 * Calls use the oldest connection with a free slot; when none has one, another connection is
 * opened, up to `maxConnections`; beyond that calls wait in a bounded queue for a slot
 * (`waitForStream`). A connection that closes or receives GOAWAY is replaced on demand. When no
 * connection can be established, a backoff period starts, during which calls fail fast with
 * UNAVAILABLE (or wait, with `waitForReady`).
 * @internal
 */
export class SessionPool {
  /** Where `acquire` looks first: the connection that last had a free slot. */
  private session: PooledSession | undefined;
  /** Connections open or being opened, not draining, oldest first. */
  private readonly sessions: PooledSession[] = [];
  /** Every connection not yet closed, draining ones included: `close()` ends them all. */
  private readonly open = new Set<PooledSession>();
  private stateValue: ConnectivityState = "idle";
  private readonly backoff: Backoff;
  private backoffTimer: NodeJS.Timeout | undefined;
  private backoffUntil = 0;
  /** No connection beyond the first is opened before this time (one failed to open). */
  private growAfter = 0;
  private lastError: RpcError | undefined;
  private readyWaiters: ReadyWaiter[] = [];
  private readonly waiting: StreamWaiters;
  /** The server's concurrent stream limit as last seen, assumed for a connection until its own SETTINGS arrive. */
  private peerMaxStreams = 100;

  constructor(private readonly options: ResolvedGrpcTransportOptions) {
    this.backoff = new Backoff(options.backoff);
    this.waiting = new StreamWaiters(options.maxWaitingCalls, options.streamWaitTimeoutMs, () => this.describe());
  }

  get state(): ConnectivityState {
    return this.stateValue;
  }

  stats(): PoolStats {
    let streams = 0;
    for (const s of this.open) streams += s[kActive];
    return { connections: this.sessions.length, streams, waitingCalls: this.waiting.size };
  }

  /**
   * A session with a stream slot taken for the caller (give it back with `streamEnded`), the
   * RpcError that says why there is none, or undefined when every connection is full and no
   * other may be opened (then `waitForStream`).
   */
  acquire(): http2.ClientHttp2Session | RpcError | undefined {
    const s = this.session;
    if (s !== undefined && s[kActive] < s[kMax]) {
      if (s[kActive]++ === 0) this.busy(s);
      return s;
    }
    return this.acquireSlow();
  }

  /** Wait (bounded) for a stream slot when `acquire` found every connection full. */
  waitForStream(ctx: ClientCallContext): Promise<http2.ClientHttp2Session> {
    return this.waiting.wait(ctx);
  }

  /** Give back the slot taken by `acquire`: to the oldest waiting call, if any and the session still takes calls. */
  streamEnded(session: http2.ClientHttp2Session): void {
    const s = session as PooledSession;
    if (this.waiting.size > 0 && s[kActive] <= s[kMax] && !s[kRetired] && !s.destroyed && this.waiting.serve(s)) return;
    if (--s[kActive] === 0) this.idle(s);
  }

  /** Wait until a session is connected (wait-for-ready), or the signal aborts. */
  whenReady(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(RpcError.from(signal.reason, Code.Canceled));
    return new Promise((resolve, reject) => {
      const waiter: ReadyWaiter = {
        resolve: () => { signal.removeEventListener("abort", onAbort); resolve(); },
        reject: (e) => { signal.removeEventListener("abort", onAbort); reject(e); },
      };
      const onAbort = () => {
        const i = this.readyWaiters.indexOf(waiter);
        if (i >= 0) this.readyWaiters.splice(i, 1);
        reject(RpcError.from(signal.reason, Code.Canceled));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.readyWaiters.push(waiter);
      if (this.sessions.length === 0 && this.stateValue === "idle") this.connect();
    });
  }

  /** Close every connection; calls in flight fail with CANCELLED, waiting ones with UNAVAILABLE. */
  close(): Promise<void> {
    this.session = undefined;
    this.sessions.length = 0;
    clearTimeout(this.backoffTimer);
    this.setState("shutdown");
    const closed = new RpcError(Code.Unavailable, "the transport is closed");
    this.flushReadyWaiters(closed);
    this.waiting.failAll(closed);
    const all = [...this.open].filter((s) => !s.destroyed);
    return Promise.all(all.map((s) => new Promise<void>((resolve) => {
      s.once("close", () => resolve());
      s.destroy(new RpcError(Code.Canceled, "the transport was closed while the call was in flight"));
    }))).then(() => undefined);
  }

  private acquireSlow(): http2.ClientHttp2Session | RpcError | undefined {
    let s: PooledSession | undefined;
    if (this.sessions.length === 0) {
      const refused = this.refusal();
      if (refused !== undefined) return refused;
      s = this.connect();
    } else {
      s = this.sessions.find((x) => x[kActive] < x[kMax]) ?? (this.mayGrow() ? this.connect() : undefined);
      if (s === undefined) return undefined;
    }
    this.session = s;
    if (s[kActive]++ === 0) this.busy(s);
    return s;
  }

  /** Why no connection can be opened now (closed, or in backoff after a failure), if so. */
  private refusal(): RpcError | undefined {
    if (this.stateValue === "shutdown") return new RpcError(Code.Unavailable, "the transport is closed");
    if (this.stateValue !== "transient-failure") return undefined;
    const ms = Math.max(0, this.backoffUntil - Date.now());
    const why = this.lastError?.rawMessage ?? "connection failed";
    return new RpcError(Code.Unavailable, `${why} (next connection attempt in ${ms}ms)`, { cause: this.lastError });
  }

  private mayGrow(): boolean {
    return this.sessions.length < this.options.maxConnections && this.stateValue !== "shutdown" && Date.now() >= this.growAfter;
  }

  private connect(): PooledSession {
    const first = this.sessions.length === 0;
    const s = openSession(this.options, this.peerMaxStreams, {
      onSettings: (max) => this.onSettings(s, max),
      onConnectFailed: (e) => { if (first) this.lastError = e; },
      onGoaway: () => this.retire(s),
      onClose: (connected) => this.onClose(s, connected, first),
    }, Math.max(this.options.connectTimeoutMs, this.backoff.peek()));
    this.sessions.push(s);
    this.open.add(s);
    if (first) this.setState("connecting");
    return s;
  }

  /** The server's SETTINGS: the session is ready, its stream limit known; waiting calls may take its free slots. */
  private onSettings(s: PooledSession, max: number): void {
    if (!s[kReady]) {
      s[kReady] = true;
      this.backoff.reset();
      this.growAfter = 0;
      this.lastError = undefined;
      if (!s[kRetired]) this.setState("ready");
      if (s[kActive] === 0) s.unref();
      this.flushReadyWaiters(undefined);
    }
    s[kMax] = max;
    this.peerMaxStreams = max;
    if (!s[kRetired]) this.serveWaiters(s);
  }

  /** Give the free slots of `s` to waiting calls. */
  private serveWaiters(s: PooledSession): void {
    const before = s[kActive];
    while (s[kActive] < s[kMax] && this.waiting.serve(s)) s[kActive]++;
    if (before === 0 && s[kActive] > 0) this.busy(s);
  }

  private onClose(s: PooledSession, connected: boolean, first: boolean): void {
    this.open.delete(s);
    clearTimeout(s[kSpareTimer]);
    if (!connected && this.stateValue !== "shutdown") {
      // a failed attempt: with no other connection, backoff (never through idle) and waiting calls
      // fail fast; with others, no new connection is tried for a while
      const alone = !this.sessions.some((x) => x !== s);
      this.remove(s);
      if (first || alone) {
        this.startBackoff();
        this.waiting.failAll(this.refusal()!);
      } else this.growAfter = Date.now() + this.backoff.next();
    }
    this.retire(s);
  }

  /** Stop handing out a session that is closing or draining; its calls run to their end. */
  private retire(s: PooledSession): void {
    if (s[kRetired]) return;
    s[kRetired] = true;
    this.remove(s);
    if (this.sessions.length === 0 && (this.stateValue === "ready" || this.stateValue === "connecting")) this.setState("idle");
    this.growForWaiters();
  }

  private remove(s: PooledSession): void {
    const i = this.sessions.indexOf(s);
    if (i >= 0) this.sessions.splice(i, 1);
    if (this.session === s) this.session = this.sessions[0];
  }

  /** Calls wait but a connection went away: open another for them if allowed. */
  private growForWaiters(): void {
    while (this.waiting.size > 0 && this.mayGrow() && this.refusal() === undefined) this.serveWaiters(this.connect());
  }

  /** A session got its first call since it was idle: it keeps the process alive, and a spare one is no longer closing. */
  private busy(s: PooledSession): void {
    s.ref();
    if (s[kSpareTimer] !== undefined) {
      clearTimeout(s[kSpareTimer]);
      s[kSpareTimer] = undefined;
    }
  }

  /** A session has no calls left: it no longer keeps the process alive, and a spare one closes after a while. */
  private idle(s: PooledSession): void {
    if (s.destroyed) return;
    s.unref();
    if (s === this.sessions[0] || s[kRetired]) return;
    s[kSpareTimer] = setTimeout(() => {
      s[kSpareTimer] = undefined;
      if (s[kActive] > 0 || s === this.sessions[0]) return;
      this.retire(s);
      s.close();
    }, this.options.spareConnectionIdleMs);
    s[kSpareTimer].unref();
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
      if (this.readyWaiters.length > 0) this.connect();
    }, delay);
    this.backoffTimer.unref();
  }

  private flushReadyWaiters(err: RpcError | undefined): void {
    const ws = this.readyWaiters;
    if (ws.length === 0) return;
    this.readyWaiters = [];
    for (const w of ws) {
      if (err !== undefined) w.reject(err);
      else w.resolve();
    }
  }

  private describe(): string {
    const { connections, streams } = this.stats();
    return `${this.options.target.authority} (${streams} streams on ${connections} connection${connections === 1 ? "" : "s"})`;
  }

  private setState(state: ConnectivityState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.options.onStateChange?.(state);
  }
}
