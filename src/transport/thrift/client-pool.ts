import { connect, type Socket } from "node:net";
import { Code, RpcError } from "../../core/index.js";
import { ExpiryQueue } from "../expiry-queue.js";
import type { AbortSource } from "./abort-source.js";
import { rpcErrorFromNodeError } from "../node-error.js";
import { UnitReader } from "./unit-reader.js";
import type { RawUnit } from "./wire.js";

/** @internal Settings of a connection pool (from `ThriftClientOptions`). */
export interface PoolOptions {
  readonly host: string;
  readonly port: number;
  /** Connections open at once; calls wait for a free one beyond that. */
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  /** How long a call waits for a free connection. */
  readonly acquireTimeoutMs: number;
  /** Calls that may wait for a free connection at once. */
  readonly maxWaitingCalls: number;
  readonly maxFrameBytes: number;
  readonly maxDepth: number;
}

/** A call waiting for a connection; `resolve` and `reject` stop listening to its abort. */
interface Waiter { readonly abort: AbortSource; resolve(c: PooledConnection): void; reject(e: RpcError): void }

/**
 * Long-lived connections to one Thrift server, one call in flight on each (as Kitex's
 * long-connection pool and every Apache Thrift client do): replies then need no seq id matching,
 * and servers that answer in order, or one connection at a time, work unchanged. When every
 * connection carries a call, calls wait in a bounded line (`maxWaitingCalls`), each at most
 * `acquireTimeoutMs`; one timer serves the whole line (every wait has the same length).
 */
export class ConnectionPool {
  private readonly idle: PooledConnection[] = [];
  private readonly waiters: ExpiryQueue<Waiter>;
  private open = 0;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {
    this.waiters = new ExpiryQueue(opts.acquireTimeoutMs, (w) => w.reject(busy(Code.Unavailable,
      `no connection to ${this.address} became free within ${opts.acquireTimeoutMs} ms (all ${opts.maxConnections} carry a call); ` +
      "raise maxConnections or acquireTimeoutMs")));
  }

  /** Calls waiting for a connection now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * Send one request and, unless `oneway`, resolve to the reply unit. An abort destroys the
   * connection (a late reply would be read by the next call otherwise).
   */
  async exchange(parts: readonly Uint8Array[], oneway: boolean, abort: AbortSource): Promise<RawUnit | undefined> {
    const conn = await this.acquire(abort);
    if (abort.reason) {
      this.release(conn); // aborted as the connection came: nothing was sent on it
      throw abort.reason;
    }
    try {
      const reply = await conn.exchange(parts, oneway, abort);
      this.release(conn);
      return reply;
    } catch (e) {
      conn.destroy();
      this.release(conn);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.destroy();
    this.waiters.stop();
    for (let w = this.waiters.shift(); w; w = this.waiters.shift()) w.reject(new RpcError(Code.Unavailable, "thrift client closed"));
  }

  private get address(): string {
    return `thrift server ${this.opts.host}:${this.opts.port}`;
  }

  private async acquire(abort: AbortSource): Promise<PooledConnection> {
    if (this.closed) throw new RpcError(Code.Unavailable, "thrift client closed");
    while (this.idle.length > 0) {
      const c = this.idle.pop()!;
      if (c.usable) return c;
      c.destroy();
      this.open--;
    }
    if (this.open < this.opts.maxConnections) {
      this.open++;
      try {
        return await PooledConnection.open(this.opts, abort);
      } catch (e) {
        this.open--;
        this.wakeOne();
        throw e;
      }
    }
    return this.wait(abort);
  }

  /** Wait for a connection another call releases, or a free slot to open one. */
  private wait(abort: AbortSource): Promise<PooledConnection> {
    if (abort.reason) return Promise.reject(abort.reason);
    const { maxWaitingCalls, maxConnections } = this.opts;
    if (this.waiters.size >= maxWaitingCalls) {
      return Promise.reject(busy(Code.ResourceExhausted,
        `all ${maxConnections} connections to ${this.address} carry a call and ${this.waiters.size} calls already wait for one; ` +
        "raise maxConnections or maxWaitingCalls"));
    }
    return new Promise<PooledConnection>((resolve, reject) => {
      const onAbort = (reason: RpcError) => {
        if (this.waiters.delete(waiter)) reject(reason); // else it is opening a connection with this abort
      };
      const waiter: Waiter = {
        abort,
        resolve: (c) => { abort.offAbort(onAbort); resolve(c); },
        reject: (e) => { abort.offAbort(onAbort); reject(e); },
      };
      abort.onAbort(onAbort);
      this.waiters.add(waiter);
    });
  }

  private release(conn: PooledConnection): void {
    if (!conn.usable || this.closed) {
      conn.destroy();
      this.open--;
      this.wakeOne();
      return;
    }
    const w = this.waiters.shift();
    if (w) w.resolve(conn);
    else this.idle.push(conn);
  }

  /**
   * A connection slot freed up: the oldest waiting call opens a new connection, under its own
   * abort (a call that leaves meanwhile gives the slot back); when that fails the next one tries.
   */
  private wakeOne(): void {
    if (this.closed) return;
    const w = this.waiters.shift();
    if (!w) return;
    this.open++;
    PooledConnection.open(this.opts, w.abort).then(w.resolve, (e: RpcError) => {
      this.open--;
      w.reject(e);
      this.wakeOne();
    });
  }
}

/** The error of a call the busy pool could not start, with a retry hint (as the gRPC client's). */
function busy(code: Code, message: string): RpcError {
  return new RpcError(code, message, { metadata: { "retry-after": "1" } });
}

/** One socket; at most one exchange at a time. */
class PooledConnection {
  private readonly reader: UnitReader;
  private pending: { resolve(u: RawUnit): void; reject(e: RpcError): void } | undefined;
  private broken: RpcError | undefined;

  private constructor(private readonly socket: Socket, opts: PoolOptions) {
    this.reader = new UnitReader(opts.maxFrameBytes, opts.maxDepth);
    socket.setNoDelay(true);
    socket.on("data", this.onData);
    socket.on("error", (e) => this.breakWith(rpcErrorFromNodeError(e, Code.Unavailable)));
    socket.on("close", () => this.breakWith(new RpcError(Code.Unavailable, "thrift: connection closed by the server")));
  }

  static open(opts: PoolOptions, abort: AbortSource): Promise<PooledConnection> {
    if (abort.reason) return Promise.reject(abort.reason);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: opts.host, port: opts.port });
      const done = (e?: RpcError) => {
        clearTimeout(timer);
        abort.offAbort(done);
        socket.off("error", onError);
        if (e) { socket.destroy(); reject(e); } else resolve(new PooledConnection(socket, opts));
      };
      const onError = (e: Error) => done(rpcErrorFromNodeError(e, Code.Unavailable));
      const timer = setTimeout(() => done(new RpcError(Code.Unavailable, `thrift: connecting to ${opts.host}:${opts.port} timed out after ${opts.connectTimeoutMs}ms`)), opts.connectTimeoutMs);
      abort.onAbort(done);
      socket.once("error", onError);
      socket.once("connect", () => done());
    });
  }

  get usable(): boolean {
    return this.broken === undefined && !this.socket.destroyed;
  }

  exchange(parts: readonly Uint8Array[], oneway: boolean, abort: AbortSource): Promise<RawUnit | undefined> {
    if (this.broken) return Promise.reject(this.broken);
    if (abort.reason) return Promise.reject(abort.reason);
    this.socket.cork();
    for (const p of parts) this.socket.write(p);
    this.socket.uncork();
    if (oneway) return new Promise((resolve) => this.socket.write(EMPTY, () => resolve(undefined)));
    return new Promise<RawUnit>((resolve, reject) => {
      const onAbort = (reason: RpcError) => { this.pending = undefined; reject(reason); };
      abort.onAbort(onAbort);
      this.pending = {
        resolve: (u) => { abort.offAbort(onAbort); resolve(u); },
        reject: (e) => { abort.offAbort(onAbort); reject(e); },
      };
    });
  }

  destroy(): void {
    this.breakWith(new RpcError(Code.Unavailable, "thrift: connection closed"));
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.reader.push(chunk);
    try {
      for (let u = this.reader.next(); u; u = this.reader.next()) {
        const p = this.pending;
        if (!p) throw new RpcError(Code.Internal, "thrift: the server sent a reply nobody asked for");
        this.pending = undefined;
        p.resolve(u);
      }
    } catch (e) {
      this.breakWith(RpcError.from(e, Code.Internal));
      this.socket.destroy();
    }
  };

  private breakWith(e: RpcError): void {
    this.broken ??= e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }
}

const EMPTY = Buffer.alloc(0);
