import type { Socket } from "node:net";
import { Code, RpcError } from "../../core/index.js";
import type { Router, ServerCalls } from "../../rpc/index.js";
import { decodeTTHeader } from "../ttheader/header.js";
import { AppExceptionType, encodeAppException } from "./app-exception.js";
import { dispatchMessage, type DispatchEnv } from "./dispatch.js";
import { wrapReply } from "./envelope.js";
import { MessageType, readMessageHeader, writeMessageHeader } from "./message.js";
import { ThriftRoutes } from "./routes.js";
import { serveThriftConnection, type ReplyUnit, type ThriftConnection, type ThriftConnectionOptions } from "./server-connection.js";
import { ByteBudget } from "./byte-budget.js";
import type { RawUnit, WireMessage } from "./wire.js";

/** Options of the Thrift side of a server; see `THRIFT_SERVER_DEFAULTS` for the defaults. */
export interface ThriftServerOptions {
  /** Largest frame (or unframed message, or inflated THeader payload) accepted; a bigger one closes its connection. Default 16 MiB. */
  maxFrameBytes?: number;
  /** Messages handled at once per connection (pipelining depth) before reading pauses. Default 64. */
  maxPendingPerConnection?: number;
  /**
   * Bytes of replies written to a connection but not yet taken by the peer, past which reading
   * pauses until they drain (a client that sends calls without reading replies stalls itself).
   * Default 1 MiB.
   */
  maxUnsentBytesPerConnection?: number;
  /** Nesting limit when walking unframed messages. Default 64. */
  maxDepth?: number;
  /**
   * Bytes of inflated THeader zlib payloads held at once on the whole server, from inflating until
   * the reply is written; a compressed message reserves `maxFrameBytes` (or all of this, if less)
   * while it inflates, then keeps what its payload takes. One compressed message per connection is
   * in progress at most; the next ones wait, their connections not read meanwhile. Bounds what a
   * few bytes that inflate to 16 MiB each can make the server hold. Default 32 MiB.
   */
  maxInflatedBytesInProgress?: number;
  /**
   * A message (frame) must arrive whole within this many ms of its first byte, else its connection
   * is closed: a peer that trickles bytes cannot hold a connection. 0 for no limit. Default 30 s.
   */
  readTimeoutMs?: number;
  /**
   * Replies must be taken by the peer within this many ms of being written, else the connection is
   * closed. 0 for no limit. Default 30 s.
   */
  writeTimeoutMs?: number;
  /** Close connections with no call in progress, no partial message and nothing unsent this long; 0 for never. Default 10 minutes. */
  idleTimeoutMs?: number;
  /**
   * Service (full or bare IDL name) tried first for messages that carry no service name
   * (framed, buffered, or TTHeader without `isn`). Default: none, services are tried in
   * registration order.
   */
  fallbackService?: string;
  /** Where reasons for closing connections go. Default `console.warn`. */
  log?: (message: string) => void;
}

/** Thrift server options with every default filled in. */
export type ResolvedThriftServerOptions = Readonly<Required<Omit<ThriftServerOptions, "fallbackService">>> & {
  readonly fallbackService: string | undefined;
};

/**
 * Defaults: 16 MiB frames, 64 messages in progress and 1 MiB of unsent replies per connection,
 * depth 64, 32 MiB of inflated zlib payloads, 30 s to receive a message or have replies taken,
 * 10 minutes idle.
 */
export const THRIFT_SERVER_DEFAULTS = Object.freeze({
  maxFrameBytes: 16 << 20,
  maxPendingPerConnection: 64,
  maxUnsentBytesPerConnection: 1 << 20,
  maxDepth: 64,
  maxInflatedBytesInProgress: 32 << 20,
  readTimeoutMs: 30_000,
  writeTimeoutMs: 30_000,
  idleTimeoutMs: 10 * 60_000,
});

const POSITIVE = ["maxFrameBytes", "maxPendingPerConnection", "maxUnsentBytesPerConnection", "maxDepth", "maxInflatedBytesInProgress"] as const;
const TIMEOUTS = ["readTimeoutMs", "writeTimeoutMs", "idleTimeoutMs"] as const;

/** Fill in defaults and check values (INVALID_ARGUMENT naming the bad option). */
export function resolveThriftServerOptions(o: ThriftServerOptions = {}): ResolvedThriftServerOptions {
  const d = THRIFT_SERVER_DEFAULTS;
  const out = {
    maxFrameBytes: o.maxFrameBytes ?? d.maxFrameBytes,
    maxPendingPerConnection: o.maxPendingPerConnection ?? d.maxPendingPerConnection,
    maxUnsentBytesPerConnection: o.maxUnsentBytesPerConnection ?? d.maxUnsentBytesPerConnection,
    maxDepth: o.maxDepth ?? d.maxDepth,
    maxInflatedBytesInProgress: o.maxInflatedBytesInProgress ?? d.maxInflatedBytesInProgress,
    readTimeoutMs: o.readTimeoutMs ?? d.readTimeoutMs,
    writeTimeoutMs: o.writeTimeoutMs ?? d.writeTimeoutMs,
    idleTimeoutMs: o.idleTimeoutMs ?? d.idleTimeoutMs,
    fallbackService: o.fallbackService,
    log: o.log ?? ((m: string) => console.warn(m)),
  };
  for (const k of POSITIVE) {
    if (!Number.isInteger(out[k]) || out[k] < 1) {
      throw new RpcError(Code.InvalidArgument, `thrift server option ${k} must be a positive integer, got ${out[k]}`);
    }
  }
  for (const k of TIMEOUTS) {
    if (!Number.isInteger(out[k]) || out[k] < 0 || out[k] > MAX_TIMER_MS) {
      throw new RpcError(Code.InvalidArgument, `thrift server option ${k} must be an integer from 0 (no limit) to ${MAX_TIMER_MS} ms, got ${out[k]}`);
    }
  }
  return Object.freeze(out);
}

/** The longest delay a Node timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How often the timeouts are checked: a quarter of the shortest, within 10 ms..1 s. */
function sweepInterval(o: ResolvedThriftServerOptions): number {
  const set = TIMEOUTS.map((k) => o[k]).filter((ms) => ms > 0);
  return Math.min(1000, Math.max(10, Math.floor(Math.min(...set, 4000) / 4)));
}

/**
 * Thrift message protocols on plain TCP connections: Apache framed and buffered (binary and
 * compact), Apache THeader (binary, compact, zlib) and Kitex TTHeader (binary, plain or framed
 * payload), told apart per message. Give it connections (`handleConnection`), typically from
 * protocol detection on a shared port.
 *
 * @example
 * const thrift = new ThriftServerEngine(router, { fallbackService: "Echo" });
 * net.createServer((socket) => thrift.handleConnection(socket)).listen(9090);
 */
export class ThriftServerEngine {
  readonly options: ResolvedThriftServerOptions;
  private readonly env: DispatchEnv;
  private readonly connOptions: ThriftConnectionOptions;
  private readonly connections = new Set<ThriftConnection>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(router: Router, options: ThriftServerOptions = {}) {
    this.options = resolveThriftServerOptions(options);
    this.env = { routes: new ThriftRoutes(router, this.options.fallbackService), log: this.options.log };
    this.connOptions = { ...this.options, inflated: new ByteBudget(this.options.maxInflatedBytesInProgress) };
  }

  /** Serve one connection; `initial` holds bytes already read from it. */
  readonly handleConnection = (socket: Socket, initial?: Buffer): void => {
    if (this.closed) return void socket.destroy();
    const conn = serveThriftConnection(socket, this.handle, rejectUnit, this.connOptions, initial);
    this.connections.add(conn);
    this.sweeper ??= setInterval(this.sweep, sweepInterval(this.options)).unref();
    socket.once("close", () => {
      this.connections.delete(conn);
      if (this.connections.size > 0) return;
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    });
  };

  /** Connections being served. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stop serving: every connection stops reading, answers what it has started and closes; those
   * still busy after `graceMs` (default 10 s) are destroyed. New connections are refused.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closed = true;
    await Promise.all([...this.connections].map((c) => c.drain(graceMs)));
  }

  private readonly handle = (msg: WireMessage, peer: string, calls: ServerCalls): Promise<ReplyUnit | undefined> =>
    dispatchMessage(this.env, msg, peer, calls);

  private readonly sweep = (): void => {
    const now = performance.now();
    for (const c of this.connections) c.sweep(now);
  };
}

/**
 * A TTHeader whose payload Kitex would not accept (compact, or an unknown protocol id) gets an
 * EXCEPTION reply in binary, INVALID_PROTOCOL, before the connection closes; other bad units get none.
 */
function rejectUnit(unit: RawUnit, error: RpcError): ReplyUnit | undefined {
  if (unit.kind !== "ttheader" || error.code !== Code.InvalidArgument) return undefined;
  try {
    const tt = decodeTTHeader(unit.bytes);
    const header = readMessageHeader(tt.payload, 0);
    if (!header) return undefined;
    const msg: WireMessage = { kind: "ttheader", protocol: "binary", header, message: tt.payload, ttheader: tt };
    const head = writeMessageHeader("binary", header.name, MessageType.Exception, header.seqId);
    const body = encodeAppException("binary", { type: AppExceptionType.InvalidProtocol, message: error.rawMessage });
    return { parts: wrapReply(msg, Buffer.concat([head, body]), MessageType.Exception) };
  } catch {
    return undefined;
  }
}
