import type { Http2Session, IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { Code, RpcError, channels } from "../../core/index.js";
import { ConnectionState, HANDSHAKE_ACKED, HANDSHAKE_DONE, HANDSHAKE_REMOTE, connectionOf } from "./connection-state.js";
import { ExpiryQueue } from "../expiry-queue.js";
import type { ResolvedGrpcServerOptions } from "./server-options.js";
import { respondTrailersOnly } from "./server-send.js";

/** A refused connection that has not opened a stream by then is destroyed. */
const REFUSED_IDLE_MS = 1_000;
/** Refused connections kept open at once (to answer their calls); more are destroyed at once. */
const MAX_REFUSED = 64;
/** A connection sent a GOAWAY for idleness that has not closed (and has no call) by then is destroyed. */
const GOAWAY_GRACE_MS = 5_000;
/** The retry hint sent to refused connections' calls (`retry-after` / `retry-after-ms`). */
const CONNECTION_RETRY_AFTER_MS = 1_000;
/** Idle sweeps per idle timeout: a connection is closed between 1 and 1.25 timeouts after its last call. */
const SWEEPS_PER_IDLE_TIMEOUT = 4;

type StreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags?: number, raw?: string[]) => void;

/**
 * @internal The server's HTTP/2 connections: the cap on how many are open, the handshake timeout
 * and the idle timeout. Timers are per server, not per connection: connections waiting for their
 * handshake sit in an expiry queue (one timer, armed for the oldest), and one sweep every quarter
 * of the idle timeout reads the call counts that each connection's calls keep.
 *
 * At the cap, a new connection takes the place of the oldest one still in its handshake (a client
 * that has not finished its preface is worth less than one that just connected); when there is
 * none, the new connection is refused: each call it opens is answered trailers-only with
 * RESOURCE_EXHAUSTED and a retry hint, then it gets a GOAWAY and closes, so clients see
 * RESOURCE_EXHAUSTED rather than a reset. Refused connections do not count toward the cap; at most
 * 64 are kept (the rest are destroyed at once) and each for at most a second.
 */
export class Connections {
  private readonly states = new Set<ConnectionState>();
  private counted = 0;
  private readonly handshaking: ExpiryQueue<ConnectionState>;
  private readonly refused: ExpiryQueue<ConnectionState>;
  private readonly goingAway: ExpiryQueue<ConnectionState>;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: ResolvedGrpcServerOptions) {
    this.handshaking = new ExpiryQueue(o.handshakeTimeoutMs, (c) => drop(c, `no HTTP/2 handshake within ${o.handshakeTimeoutMs} ms`));
    this.refused = new ExpiryQueue(REFUSED_IDLE_MS, (c) => c.session.destroy());
    this.goingAway = new ExpiryQueue(GOAWAY_GRACE_MS, (c) => c.calls === 0 && c.session.destroy());
  }

  /** Connections counted against the cap. */
  get open(): number {
    return this.counted;
  }

  /**
   * Take a new connection: watch its handshake, count it (making room at the cap if a connection
   * is still in its handshake), or refuse it. Returns its state, or undefined when it is refused.
   */
  admit(session: Http2Session): ConnectionState | undefined {
    const c = new ConnectionState(session);
    this.states.add(c);
    session.once("close", () => this.forget(c));
    if (this.counted >= this.o.maxConnections && !this.evictOldestHandshaking()) {
      this.refuse(c);
      return undefined;
    }
    this.counted++;
    c.counted = true;
    this.watchHandshake(c);
    this.startSweeping();
    return c;
  }

  /** Stop every timer (the server is shutting down; its connections are closed by the shutdown). */
  stop(): void {
    this.handshaking.stop();
    this.goingAway.stop();
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Wrap a stream handler: streams of refused connections are answered RESOURCE_EXHAUSTED, the rest go to `handle`. */
  wrap(handle: StreamHandler): StreamHandler {
    const max = this.o.maxConnections;
    return (stream, headers, flags, raw) => {
      const c = connectionOf(stream);
      if (c === undefined || !c.refused) return handle(stream, headers, flags, raw);
      stream.on("error", ignore);
      refuseStream(stream, headers, max);
      if (c.refusalAnswered) return;
      c.refusalAnswered = true; // streams that arrived in the same read are answered too; then GOAWAY
      setImmediate(closeSession, c.session);
    };
  }

  private watchHandshake(c: ConnectionState): void {
    this.handshaking.add(c);
    const step = (flag: number) => () => {
      c.handshake |= flag;
      if (c.handshake === HANDSHAKE_DONE) this.handshaking.delete(c);
    };
    c.session.once("remoteSettings", step(HANDSHAKE_REMOTE));
    c.session.once("localSettings", step(HANDSHAKE_ACKED));
  }

  private evictOldestHandshaking(): boolean {
    const victim = this.handshaking.shift();
    if (victim === undefined) return false;
    victim.counted = false;
    this.counted--;
    drop(victim, `replaced by a new connection at the limit of ${this.o.maxConnections} connections before finishing its HTTP/2 handshake`);
    return true;
  }

  private refuse(c: ConnectionState): void {
    c.refused = true;
    if (this.refused.size >= MAX_REFUSED) return drop(c, `over the limit of ${this.o.maxConnections} connections`);
    this.refused.add(c);
  }

  private forget(c: ConnectionState): void {
    this.states.delete(c);
    this.handshaking.delete(c);
    this.refused.delete(c);
    this.goingAway.delete(c);
    if (c.counted) {
      c.counted = false;
      this.counted--;
    }
    if (this.states.size === 0 && this.sweepTimer !== undefined) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
  }

  private startSweeping(): void {
    if (this.sweepTimer !== undefined || !Number.isFinite(this.o.maxConnectionIdleMs)) return;
    this.sweepTimer = setInterval(sweepIdle, this.o.maxConnectionIdleMs / SWEEPS_PER_IDLE_TIMEOUT, this);
    this.sweepTimer.unref();
  }

  /** @internal GOAWAY to each connection that had no call open and none started for the idle timeout. */
  sweep(): void {
    for (const c of this.states) {
      if (!c.counted || this.goingAway.has(c)) continue;
      if (c.calls === 0 && c.started === c.startedAtLastSweep) {
        if (++c.quietSweeps > SWEEPS_PER_IDLE_TIMEOUT) this.goAway(c);
      } else {
        c.quietSweeps = 0;
        c.startedAtLastSweep = c.started;
      }
    }
  }

  private goAway(c: ConnectionState): void {
    this.goingAway.add(c);
    closeSession(c.session);
  }
}

function sweepIdle(connections: Connections): void {
  connections.sweep();
}

/** Destroy a connection, saying why on the diagnostics channel. */
function drop(c: ConnectionState, reason: string): void {
  if (channels.transportError.hasSubscribers) {
    const s = c.session.socket;
    channels.transportError.publish({ protocol: "grpc", peer: `${s?.remoteAddress}:${s?.remotePort}`, error: reason });
  }
  c.session.destroy();
}

function refuseStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, max: number): void {
  const ct = headers["content-type"];
  const contentType = typeof ct === "string" && ct.startsWith("application/grpc") ? ct : "application/grpc";
  const err = new RpcError(Code.ResourceExhausted, `the server's limit of ${max} connections is reached; try again later`, {
    metadata: { "retry-after": String(Math.ceil(CONNECTION_RETRY_AFTER_MS / 1000)), "retry-after-ms": String(CONNECTION_RETRY_AFTER_MS) },
  });
  respondTrailersOnly(stream, contentType, err, undefined, undefined);
}

function closeSession(session: Http2Session): void {
  if (!session.closed && !session.destroyed) session.close();
}

function ignore(): void {}
