import type { Socket } from "node:net";
import { channels, RpcError } from "../../core/index.js";
import { UnitReader } from "./unit-reader.js";
import { openUnit, type RawUnit, type WireMessage } from "./wire.js";

/** What a handler answers for one message: the wire bytes, or nothing (oneway). */
export interface ReplyUnit {
  readonly parts: readonly Uint8Array[];
  /** Close the connection once this reply is written. */
  readonly close?: boolean;
}

/** Handles one received message; may answer synchronously or later. Must not throw. */
export type MessageHandler = (msg: WireMessage, peer: string) => ReplyUnit | undefined | Promise<ReplyUnit | undefined>;

/** Answers a unit the server could not accept (e.g. a TTHeader with a compact payload), if it can. */
export type RejectHandler = (unit: RawUnit, error: RpcError) => ReplyUnit | undefined;

/** @internal Per-connection settings (from the resolved server options). */
export interface ThriftConnectionOptions {
  /** Largest unit (frame, or unframed message) accepted; bigger closes the connection. */
  readonly maxFrameBytes: number;
  /** Messages handled at once on one connection; reading pauses at this many. */
  readonly maxPendingPerConnection: number;
  /** Nesting limit when walking unframed messages. */
  readonly maxDepth: number;
  /** Close a connection with nothing in progress after this many ms without bytes; 0 for never. */
  readonly idleTimeoutMs: number;
  /** Where reasons for closing a connection go. */
  readonly log: (message: string) => void;
}

interface Slot { reply: ReplyUnit | undefined; done: boolean }

/**
 * Serve Thrift messages on one socket: cut units, open their envelopes, hand each message to
 * `handler`, and write replies in request order (handlers run concurrently). Bad bytes, an
 * oversized frame or a handler that throws close this connection only, with the reason logged.
 * `initial` holds bytes already read from the socket (by protocol detection).
 */
export function serveThriftConnection(
  socket: Socket, handler: MessageHandler, reject: RejectHandler, opts: ThriftConnectionOptions, initial?: Buffer,
): ThriftConnection {
  const conn = new ThriftConnection(socket, handler, reject, opts);
  socket.setNoDelay(true);
  if (opts.idleTimeoutMs > 0) {
    socket.setTimeout(opts.idleTimeoutMs);
    socket.on("timeout", conn.onIdleTimeout);
  }
  socket.on("data", conn.onData);
  socket.on("error", conn.onGone);
  socket.on("close", conn.onGone);
  if (initial && initial.length > 0) conn.onData(initial);
  return conn;
}

/** One served connection. */
export class ThriftConnection {
  private readonly reader: UnitReader;
  private readonly peer: string;
  private readonly queue: Slot[] = [];
  private closing = false;
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly socket: Socket, private readonly handler: MessageHandler,
    private readonly reject: RejectHandler, private readonly opts: ThriftConnectionOptions,
  ) {
    this.reader = new UnitReader(opts.maxFrameBytes, opts.maxDepth);
    this.peer = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
  }

  readonly onGone = (): void => {
    this.closing = true;
    this.onIdle?.();
  };

  readonly onIdleTimeout = (): void => {
    if (this.queue.length === 0 && !this.closing) {
      this.closing = true;
      this.socket.end();
    }
  };

  /**
   * Stop reading, let the messages in progress answer, then close; resolves when the socket is
   * closed. Connections still busy after `graceMs` are destroyed.
   */
  drain(graceMs: number): Promise<void> {
    this.closing = true;
    this.socket.pause();
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), graceMs);
      this.socket.once("close", () => { clearTimeout(timer); resolve(); });
      this.onIdle = () => { if (this.queue.length === 0) this.socket.end(); };
      this.onIdle();
    });
  }

  readonly onData = (chunk: Buffer): void => {
    if (this.closing) return;
    this.reader.push(chunk);
    for (;;) {
      let unit: RawUnit | undefined;
      try {
        unit = this.reader.next();
      } catch (e) {
        return this.fail((e as Error).message, e);
      }
      if (!unit || !this.dispatch(unit)) break;
    }
    if (this.queue.length >= this.opts.maxPendingPerConnection) this.socket.pause();
  };

  /** Hand one unit to the handler; false when the connection is done for. */
  private dispatch(unit: RawUnit): boolean {
    let msg: WireMessage;
    try {
      msg = openUnit(unit, this.opts.maxFrameBytes);
    } catch (e) {
      const err = RpcError.from(e);
      const reply = this.reject(unit, err);
      if (!reply) {
        this.fail(err.rawMessage, e);
        return false;
      }
      this.opts.log(`thrift: rejected a message from ${this.peer}: ${err.rawMessage}`);
      this.queue.push({ reply: { parts: reply.parts, close: true }, done: true });
      this.flush();
      return false;
    }
    const slot: Slot = { reply: undefined, done: false };
    this.queue.push(slot);
    try {
      const out = this.handler(msg, this.peer);
      if (out instanceof Promise) out.then((r) => this.settle(slot, r), (e: unknown) => this.fail(`handler failed: ${(e as Error).message}`, e));
      else this.settle(slot, out);
      return true;
    } catch (e) {
      this.fail(`handler failed: ${(e as Error).message}`, e);
      return false;
    }
  }

  private settle(slot: Slot, reply: ReplyUnit | undefined): void {
    slot.reply = reply;
    slot.done = true;
    this.flush();
  }

  /** Write every finished reply at the head of the queue, in request order. */
  private flush(): void {
    const { queue, socket } = this;
    if (queue.length === 0 || !queue[0]!.done || socket.destroyed) return;
    socket.cork();
    while (queue.length > 0 && queue[0]!.done) {
      const reply = queue.shift()!.reply;
      if (!reply) continue;
      for (const p of reply.parts) socket.write(p);
      if (reply.close) {
        this.closing = true;
        socket.end();
        break;
      }
    }
    socket.uncork();
    if (this.queue.length === 0) this.onIdle?.();
    if (socket.isPaused() && queue.length < this.opts.maxPendingPerConnection && !this.closing) socket.resume();
  }

  private fail(reason: string, error?: unknown): void {
    if (this.closing) return;
    this.closing = true;
    this.opts.log(`thrift: closing connection from ${this.peer}: ${reason}`);
    if (channels.transportError.hasSubscribers) {
      channels.transportError.publish({ protocol: "thrift", peer: this.peer, error: error ?? reason });
    }
    this.socket.destroy();
  }
}
