import { connect, type Socket } from "node:net";
import { Code, RpcError } from "../../core/index.js";
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
  readonly maxFrameBytes: number;
  readonly maxDepth: number;
}

interface Waiter { resolve(c: PooledConnection): void; reject(e: RpcError): void }

const NEVER: AbortSource = { reason: undefined, onAbort() {}, offAbort() {} };

/**
 * Long-lived connections to one Thrift server, one call in flight on each (as Kitex's
 * long-connection pool and every Apache Thrift client do): replies then need no seq id matching,
 * and servers that answer in order, or one connection at a time, work unchanged.
 */
export class ConnectionPool {
  private readonly idle: PooledConnection[] = [];
  private readonly waiters: Waiter[] = [];
  private open = 0;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {}

  /**
   * Send one request and, unless `oneway`, resolve to the reply unit. An abort destroys the
   * connection (a late reply would be read by the next call otherwise).
   */
  async exchange(parts: readonly Uint8Array[], oneway: boolean, abort: AbortSource): Promise<RawUnit | undefined> {
    const conn = await this.acquire(abort);
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
    for (const w of this.waiters.splice(0)) w.reject(new RpcError(Code.Unavailable, "thrift client closed"));
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

  /** Wait for a connection another call releases. */
  private wait(abort: AbortSource): Promise<PooledConnection> {
    if (abort.reason) return Promise.reject(abort.reason);
    return new Promise<PooledConnection>((resolve, reject) => {
      const onAbort = (reason: RpcError) => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(reason);
      };
      const waiter: Waiter = {
        resolve: (c) => { abort.offAbort(onAbort); resolve(c); },
        reject: (e) => { abort.offAbort(onAbort); reject(e); },
      };
      abort.onAbort(onAbort);
      this.waiters.push(waiter);
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

  /** A connection slot freed up: let a waiting call open a new one. */
  private wakeOne(): void {
    const w = this.waiters.shift();
    if (!w) return;
    this.open++;
    PooledConnection.open(this.opts, NEVER).then(w.resolve, (e: RpcError) => {
      this.open--;
      w.reject(e);
    });
  }
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
