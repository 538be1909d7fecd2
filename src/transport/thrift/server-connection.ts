import type { Socket } from "node:net";
import { channels, Code, RpcError } from "../../core/index.js";
import { ServerCalls } from "../../rpc/index.js";
import type { MessageHandler, RejectHandler, ReplyUnit, ThriftConnectionOptions } from "./connection-types.js";
import { ConnectionTimeouts, Waiting } from "./connection-timeouts.js";
import { UnitReader } from "./unit-reader.js";
import { inflateTHeader, type THeaderFrame } from "./theader.js";
import { isCompressedFrame, openServerUnit, openTHeaderFrame, type RawUnit, type WireMessage } from "./wire.js";

export type { ReplyUnit, MessageHandler, RejectHandler, ThriftConnectionOptions } from "./connection-types.js";

interface Slot { reply: ReplyUnit | undefined; done: boolean }

/**
 * Serve Thrift messages on one socket: cut units, open their envelopes, hand each message to
 * `handler`, and write replies in request order (handlers run concurrently). Bad bytes, an
 * oversized frame or a handler that throws close this connection only, with the reason logged.
 * Reading pauses while `maxPendingPerConnection` messages are in progress, more than
 * `maxUnsentBytesPerConnection` bytes of replies wait for the peer to read them, or a compressed
 * message is in progress (inflated off the event loop within the server's `inflated` budget).
 * `initial` holds bytes already read from the socket (by protocol detection).
 */
export function serveThriftConnection(
  socket: Socket, handler: MessageHandler, reject: RejectHandler, opts: ThriftConnectionOptions, initial?: Buffer,
): ThriftConnection {
  const conn = new ThriftConnection(socket, handler, reject, opts);
  socket.setNoDelay(true);
  socket.on("data", conn.onData);
  socket.on("drain", conn.onDrain);
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
  /** Reading paused for backpressure (too many messages in progress, or too many bytes unsent). */
  private paused = false;
  private pumping = false;
  private unpauseScheduled = false;
  /** The compressed message in progress, from waiting for its share of `inflated` until its reply. */
  private inflating: Slot | undefined;
  /** Bytes of `inflated` it holds. */
  private reserved = 0;
  private onIdle: (() => void) | undefined;
  /** Units taken off the socket so far. */
  private unitsRead = 0;
  private readonly timeouts: ConnectionTimeouts;
  /** The calls in progress, aborted when the connection goes. */
  private readonly calls = new ServerCalls();

  constructor(
    private readonly socket: Socket, private readonly handler: MessageHandler,
    private readonly reject: RejectHandler, private readonly opts: ThriftConnectionOptions,
  ) {
    this.reader = new UnitReader(opts.maxFrameBytes, opts.maxDepth);
    this.timeouts = new ConnectionTimeouts(opts);
    this.peer = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
  }

  readonly onGone = (): void => {
    this.closing = true;
    this.releaseInflated();
    this.abortCalls();
    this.onIdle?.();
  };

  /** The peer went away: every call in progress stops (its handler's `ctx.signal` aborts). */
  private abortCalls(): void {
    if (this.calls.size > 0) this.calls.abortAll(new RpcError(Code.Canceled, "the client closed the connection"));
  }

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

  /**
   * Enforce the timeouts; the server calls this for every connection a few times per shortest
   * timeout (one timer for all connections rather than one per message).
   */
  sweep(now: number): void {
    const { socket, opts } = this;
    if (socket.destroyed) return;
    const waiting = this.paused || this.queue.length > 0 ? Waiting.Busy
      : this.reader.buffered > 0 ? Waiting.Reading : socket.writableLength > 0 ? Waiting.Busy : Waiting.Idle;
    switch (this.timeouts.check(now, socket, waiting, this.unitsRead)) {
      case "write": return this.fail(`the peer did not take replies within ${opts.writeTimeoutMs} ms (${socket.writableLength} bytes unsent)`);
      case "read": return this.closing ? undefined : this.fail(`a message did not arrive whole within ${opts.readTimeoutMs} ms (${this.reader.buffered} bytes of it so far)`);
      case "idle":
        if (this.closing) return;
        this.closing = true;
        socket.destroy();
    }
  }

  readonly onData = (chunk: Buffer): void => {
    if (this.closing) return;
    this.reader.push(chunk);
    this.pump();
  };

  readonly onDrain = (): void => {
    if (this.paused && !this.full()) this.unpause();
  };

  /**
   * Unpause on a later turn of the event loop: replies settle in microtasks, so unpausing at once
   * would let one pipelining connection run a whole chunk of calls before any other gets a turn.
   */
  private readonly unpauseLater = (): void => {
    this.unpauseScheduled = false;
    if (this.paused && !this.closing && !this.full()) this.unpause();
  };

  /** True while the connection must not take more messages. */
  private full(): boolean {
    const { socket } = this;
    return this.queue.length >= this.opts.maxPendingPerConnection || this.inflating !== undefined ||
      (socket.writableLength > this.opts.maxUnsentBytesPerConnection && socket.writableNeedDrain);
  }

  /** Hand buffered units to the handler while there is room; pause reading when there is none. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closing) {
        if (this.full()) {
          this.paused = true;
          this.socket.pause();
          return;
        }
        let unit: RawUnit | undefined;
        try {
          unit = this.reader.next();
        } catch (e) {
          return this.fail((e as Error).message, e);
        }
        if (!unit) return;
        this.unitsRead++;
        if (!this.dispatch(unit)) return;
      }
    } finally {
      this.pumping = false;
    }
  }

  private unpause(): void {
    this.paused = false;
    this.pump();
    if (!this.paused && !this.closing) this.socket.resume();
  }

  /** Hand one unit to the handler; false when the connection is done for. */
  private dispatch(unit: RawUnit): boolean {
    let opened: WireMessage | THeaderFrame;
    try {
      opened = openServerUnit(unit, this.opts.maxFrameBytes);
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
    if (!isCompressedFrame(opened)) return this.run(opened, slot);
    this.inflating = slot;
    const { inflated, maxFrameBytes } = this.opts;
    inflated.reserve(maxFrameBytes, () => this.inflate(opened, slot, inflated.size(maxFrameBytes)));
    return true;
  }

  /**
   * With `reserved` bytes of the budget (what the payload may inflate to): inflate off the event
   * loop, give back what the payload did not take, then run the message.
   */
  private inflate(frame: THeaderFrame, slot: Slot, reserved: number): void {
    this.reserved = reserved;
    if (this.socket.destroyed) return this.releaseInflated();
    inflateTHeader(frame, this.opts.maxFrameBytes).then((th) => {
      if (this.socket.destroyed) return;
      const unused = this.reserved - th.payload.length;
      if (unused > 0 && this.inflating === slot) {
        this.reserved -= unused;
        this.opts.inflated.release(unused);
      }
      try {
        this.run(openTHeaderFrame(th), slot);
      } catch (e) {
        this.fail(RpcError.from(e).rawMessage, e);
      }
    }, (e: unknown) => this.fail(RpcError.from(e).rawMessage, e));
  }

  private releaseInflated(): void {
    this.inflating = undefined;
    const bytes = this.reserved;
    this.reserved = 0;
    if (bytes > 0) this.opts.inflated.release(bytes);
  }

  /** Run the handler for a message; false when the connection is done for. */
  private run(msg: WireMessage, slot: Slot): boolean {
    try {
      const out = this.handler(msg, this.peer, this.calls);
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
    if (slot === this.inflating) this.releaseInflated();
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
    if (this.paused && !this.closing && !this.unpauseScheduled && !this.full()) {
      this.unpauseScheduled = true;
      setImmediate(this.unpauseLater);
    }
  }

  private fail(reason: string, error?: unknown): void {
    if (this.closing && this.socket.destroyed) return;
    this.closing = true;
    this.opts.log(`thrift: closing connection from ${this.peer}: ${reason}`);
    if (channels.transportError.hasSubscribers) {
      channels.transportError.publish({ protocol: "thrift", peer: this.peer, error: error ?? reason });
    }
    this.socket.destroy();
  }
}
