import type { Duplex } from "node:stream";
import WebSocket from "ws";
import { Code, RpcError } from "../../core/index.js";
import type { WebSocketBudget } from "./budget.js";
import { Heartbeat, type HeartbeatOwner } from "./heartbeat.js";
import { Inbound, type WebSocketMessage } from "./inbound.js";

export type { WebSocketMessage };

/** Options of {@link WebSocketChannel}. */
export interface WebSocketChannelOptions {
  /** Received messages held for the reader before the socket is paused (TCP backpressure). Default 16. */
  maxQueuedMessages?: number;
  /** Received bytes held for the reader before the socket is paused (TCP backpressure). Default 1 MiB. */
  maxQueuedBytes?: number;
  /**
   * Bytes buffered for sending above which `send()` waits until its frame is written; also what a
   * peer may send after `close()` (what it had in flight) before it is cut off. Default 64 KiB.
   */
  highWaterMark?: number;
  /**
   * Bytes buffered for sending (the peer has not taken them) past which `send()` fails with
   * RESOURCE_EXHAUSTED and the socket closes with 1008, for a producer that does not wait for
   * `send()`. One message is always taken when nothing is buffered. Default 1 MiB.
   */
  maxBufferedBytes?: number;
  /** Send a ping this long after the last pong (0 = never). Default 30000 ms. */
  pingIntervalMs?: number;
  /** Drop the connection when a ping gets no pong within this time; also how long a close may take. Default 10000 ms. */
  pongTimeoutMs?: number;
  /** Close (1001) a socket that sent and received no message for this long (0 = never). Default 120000 ms. */
  idleTimeoutMs?: number;
  /** Closes the socket (code 1001) when it aborts. */
  signal?: AbortSignal;
}

/** The defaults of `WebSocketChannelOptions` (frozen); see docs/limits.md for each value. */
export const WEBSOCKET_CHANNEL_DEFAULTS = Object.freeze({
  maxQueuedMessages: 16,
  maxQueuedBytes: 1 << 20,
  highWaterMark: 64 << 10,
  maxBufferedBytes: 1 << 20,
  pingIntervalMs: 30_000,
  pongTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
});

type ChannelLimits = { readonly [K in Exclude<keyof typeof WEBSOCKET_CHANNEL_DEFAULTS, "maxQueuedMessages">]: number };

const RESOLVED: Promise<void> = Promise.resolve();
const NORMAL_CLOSE = new Set([1000, 1001, 1005]);

/**
 * A WebSocket as an async iterable of messages plus a `send` that honours backpressure.
 *
 * - Reading: messages queue up to `maxQueuedMessages` or `maxQueuedBytes`; then the socket is
 *   paused until the reader has taken half of them, so a slow reader slows the peer instead of
 *   growing memory. Iteration ends on a normal close (1000, 1001, 1005) and throws RpcError
 *   UNAVAILABLE on any other close or error, or the reason the socket was ended (no pong, idle).
 * - Writing: `send()` settles at once while less than `highWaterMark` bytes are buffered, else
 *   when its frame has been written to the socket; past `maxBufferedBytes` it fails.
 * - Liveness: a ping every `pingIntervalMs`; no pong within `pongTimeoutMs` drops the connection;
 *   no message either way for `idleTimeoutMs` closes it with 1001.
 * - `signal` aborts when the socket closes before `close()` was called (the peer left, or it was
 *   ended for one of the reasons above); leaving a `for await` loop early closes the socket.
 *
 * @example
 * for await (const msg of channel) await channel.send(`echo: ${msg}`);
 */
export class WebSocketChannel implements AsyncIterable<WebSocketMessage>, HeartbeatOwner {
  private readonly controller = new AbortController();
  private readonly inbound: Inbound;
  private readonly limits: ChannelLimits;
  private readonly heartbeat: Heartbeat;
  private wake: (() => void) | undefined;
  private failure: RpcError | undefined;
  private ended = false;
  private closing = false;
  /** When the last message went either way (`Date.now()`). @internal */
  lastActive = Date.now();

  constructor(readonly socket: WebSocket, options: WebSocketChannelOptions = {}) {
    const d = WEBSOCKET_CHANNEL_DEFAULTS;
    const maxQueued = options.maxQueuedMessages ?? d.maxQueuedMessages;
    this.limits = {
      maxQueuedBytes: options.maxQueuedBytes ?? d.maxQueuedBytes, highWaterMark: options.highWaterMark ?? d.highWaterMark,
      maxBufferedBytes: options.maxBufferedBytes ?? d.maxBufferedBytes, pingIntervalMs: options.pingIntervalMs ?? d.pingIntervalMs,
      pongTimeoutMs: options.pongTimeoutMs ?? d.pongTimeoutMs, idleTimeoutMs: options.idleTimeoutMs ?? d.idleTimeoutMs,
    };
    checkChannelOptions(maxQueued, this.limits);
    this.inbound = new Inbound(socket, maxQueued, this.limits.maxQueuedBytes, this.limits.highWaterMark);
    this.heartbeat = new Heartbeat(socket, this.limits, this);
    socket.on("message", this.onMessage);
    socket.on("close", this.onClose);
    socket.on("error", this.onError);
    if (socket.readyState === WebSocket.OPEN) this.heartbeat.start();
    else if (socket.readyState === WebSocket.CONNECTING) socket.once("open", () => this.heartbeat.start());
    this.follow(options.signal);
  }

  /** Aborted when the peer closes or the socket fails or is ended before `close()`; the reason is an RpcError. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Bytes queued for sending and not yet written to the socket. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Received messages, and their bytes, that the reader has not taken yet. */
  get queued(): { readonly messages: number; readonly bytes: number } {
    return { messages: this.inbound.length, bytes: this.inbound.bytes };
  }

  /** Whether the socket is being read (false while paused for backpressure). @internal */
  get hearing(): boolean {
    return this.inbound.reading;
  }

  /** Send a text (string) or binary message; see the class notes for when the promise settles. */
  send(data: string | Uint8Array): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(this.controller.signal.reason ?? new RpcError(Code.FailedPrecondition, "WebSocket is not open"));
    }
    this.lastActive = Date.now();
    const size = typeof data === "string" ? data.length : data.byteLength;
    const buffered = this.socket.bufferedAmount;
    if (buffered + size <= this.limits.highWaterMark) {
      this.socket.send(data, this.onSent);
      return RESOLVED;
    }
    if (buffered > 0 && buffered + size > this.limits.maxBufferedBytes) {
      const err = new RpcError(Code.ResourceExhausted, `WebSocket peer is not reading: ${buffered} bytes unsent`);
      this.die(err, 1008);
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      this.socket.send(data, (err) => (err ? reject(RpcError.from(err, Code.Unavailable)) : resolve()));
    });
  }

  /**
   * Close the socket (default 1000, normal closure); the iteration ends once the close completes.
   * Messages that arrive from now on are dropped; the peer has `pongTimeoutMs` to answer the close,
   * and is cut off if it sends more than `highWaterMark` bytes instead (it had them in flight).
   */
  close(code = 1000, reason = ""): void {
    if (this.closing) return;
    this.closing = true;
    this.heartbeat.stop();
    const state = this.socket.readyState;
    if (state === WebSocket.CONNECTING) this.socket.terminate();
    else if (state === WebSocket.OPEN) this.socket.close(code, reason);
    this.inbound.startClosing();
  }

  /** End the socket for `reason`: `signal` aborts with it and iteration throws it. @internal */
  die(reason: RpcError, code?: number): void {
    if (this.closing || this.ended) return;
    this.failure ??= reason;
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    if (code === undefined) {
      this.closing = true;
      this.heartbeat.stop();
      this.socket.terminate();
    } else {
      this.close(code, truncateReason(reason.rawMessage));
    }
    this.notify();
  }

  /**
   * Count this socket's received bytes in `budget`, shared with the other sockets of a server;
   * `raw` is the connection under the WebSocket, to count messages while they arrive.
   * @internal
   */
  shareBudget(budget: WebSocketBudget, raw: Duplex): void {
    this.inbound.shareBudget(budget, raw);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WebSocketMessage> {
    try {
      for (;;) {
        if (this.inbound.length > 0) {
          yield this.inbound.take();
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (!this.ended) this.close(1000, "");
    }
  }

  private readonly onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
    if (!this.closing) this.lastActive = Date.now();
    this.inbound.push(data, isBinary);
    this.notify();
  };

  private readonly onClose = (code: number, reason: Buffer): void => {
    this.ended = true;
    this.heartbeat.stop();
    this.inbound.closed();
    if (!NORMAL_CLOSE.has(code) && !this.closing && !this.failure) {
      this.failure = new RpcError(Code.Unavailable, `WebSocket closed with code ${code}${reason.length ? `: ${reason}` : ""}`);
    }
    if (!this.closing && !this.controller.signal.aborted) {
      this.controller.abort(this.failure ?? new RpcError(Code.Canceled, `WebSocket peer closed (code ${code})`));
    }
    this.notify();
  };

  private readonly onError = (e: Error): void => {
    this.failure ??= RpcError.from(e, Code.Unavailable);
    this.notify();
  };

  private readonly onSent = (err?: Error): void => {
    if (err && this.socket.readyState === WebSocket.OPEN) this.onError(err);
  };

  private follow(outer: AbortSignal | undefined): void {
    if (!outer) return;
    const onAbort = () => this.close(1001, "going away");
    if (outer.aborted) return onAbort();
    outer.addEventListener("abort", onAbort, { once: true });
    this.controller.signal.addEventListener("abort", () => outer.removeEventListener("abort", onAbort), { once: true });
    this.socket.once("close", () => outer.removeEventListener("abort", onAbort));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function checkChannelOptions(maxQueuedMessages: number, l: ChannelLimits): void {
  const { maxQueuedBytes, maxBufferedBytes, pongTimeoutMs, highWaterMark, pingIntervalMs, idleTimeoutMs } = l;
  checkIntegers({ maxQueuedMessages, maxQueuedBytes, maxBufferedBytes, pongTimeoutMs }, 1);
  checkIntegers({ highWaterMark, pingIntervalMs, idleTimeoutMs }, 0);
}

/**
 * Throw RpcError INVALID_ARGUMENT naming `${prefix}${key}` when a value is not an integer >= `min`
 * (0 means off for the timers). @internal
 */
export function checkIntegers(values: Readonly<Record<string, number>>, min: 0 | 1, prefix = "WebSocket option "): void {
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < min) throw new RpcError(Code.InvalidArgument, `${prefix}${k} must be an integer >= ${min}${min === 0 ? " (0 = off)" : ""}, got ${v}`);
  }
}

/** Close reasons are limited to 123 bytes by the protocol. @internal */
export function truncateReason(s: string): string {
  return Buffer.byteLength(s) <= 123 ? s : Buffer.from(s).subarray(0, 120).toString() + "...";
}
