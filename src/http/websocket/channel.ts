import WebSocket from "ws";
import { Code, RpcError } from "../../core/index.js";

/** A received message: text frames as strings, binary frames as bytes. */
export type WebSocketMessage = string | Uint8Array;

/** Options of {@link WebSocketChannel}. */
export interface WebSocketChannelOptions {
  /** Received messages held for the reader before the socket is paused (TCP backpressure). Default 16. */
  maxQueuedMessages?: number;
  /** Bytes buffered for sending above which `send()` waits until its frame is written. Default 64 KiB. */
  highWaterMark?: number;
  /** Closes the socket (code 1001) when it aborts. */
  signal?: AbortSignal;
}

export const WEBSOCKET_CHANNEL_DEFAULTS = Object.freeze({ maxQueuedMessages: 16, highWaterMark: 64 << 10 });

const RESOLVED: Promise<void> = Promise.resolve();
const NORMAL_CLOSE = new Set([1000, 1001, 1005]);

/**
 * A WebSocket as an async iterable of messages plus a `send` that honours backpressure.
 *
 * - Reading: messages queue up to `maxQueuedMessages`; then the socket is paused until the reader
 *   catches up, so a slow reader slows the peer instead of growing memory. Iteration ends on a
 *   normal close (1000, 1001, 1005) and throws RpcError UNAVAILABLE on any other close or error.
 * - Writing: `send()` settles at once while less than `highWaterMark` bytes are buffered, else
 *   when its frame has been written to the socket.
 * - `signal` aborts when the socket closes before `close()` was called (the peer left); leaving a
 *   `for await` loop early closes the socket.
 *
 * @example
 * for await (const msg of channel) await channel.send(`echo: ${msg}`);
 */
export class WebSocketChannel implements AsyncIterable<WebSocketMessage> {
  private readonly controller = new AbortController();
  private readonly queue: WebSocketMessage[] = [];
  private readonly maxQueued: number;
  private readonly highWaterMark: number;
  private wake: (() => void) | undefined;
  private failure: RpcError | undefined;
  private ended = false;
  private closing = false;
  private paused = false;

  constructor(readonly socket: WebSocket, options: WebSocketChannelOptions = {}) {
    this.maxQueued = options.maxQueuedMessages ?? WEBSOCKET_CHANNEL_DEFAULTS.maxQueuedMessages;
    this.highWaterMark = options.highWaterMark ?? WEBSOCKET_CHANNEL_DEFAULTS.highWaterMark;
    if (!(this.maxQueued >= 1) || !(this.highWaterMark >= 0)) {
      throw new RpcError(Code.InvalidArgument, "maxQueuedMessages must be >= 1 and highWaterMark >= 0");
    }
    socket.on("message", this.onMessage);
    socket.on("close", this.onClose);
    socket.on("error", this.onError);
    const outer = options.signal;
    if (outer) {
      const onAbort = () => this.close(1001, "going away");
      if (outer.aborted) onAbort();
      else {
        outer.addEventListener("abort", onAbort, { once: true });
        this.controller.signal.addEventListener("abort", () => outer.removeEventListener("abort", onAbort), { once: true });
        socket.once("close", () => outer.removeEventListener("abort", onAbort));
      }
    }
  }

  /** Aborted when the peer closes or the socket fails before `close()`; the reason is an RpcError. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Bytes queued for sending and not yet written to the socket. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Send a text (string) or binary message; see the class notes for when the promise settles. */
  send(data: string | Uint8Array): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(this.controller.signal.reason ?? new RpcError(Code.FailedPrecondition, "WebSocket is not open"));
    }
    const size = typeof data === "string" ? data.length : data.byteLength;
    if (this.socket.bufferedAmount + size <= this.highWaterMark) {
      this.socket.send(data, this.onSent);
      return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => {
      this.socket.send(data, (err) => (err ? reject(RpcError.from(err, Code.Unavailable)) : resolve()));
    });
  }

  /** Close the socket (default 1000, normal closure); the iteration ends once the close completes. */
  close(code = 1000, reason = ""): void {
    if (this.closing) return;
    this.closing = true;
    const state = this.socket.readyState;
    if (state === WebSocket.CONNECTING) this.socket.terminate();
    else if (state === WebSocket.OPEN) this.socket.close(code, reason);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WebSocketMessage> {
    try {
      for (;;) {
        if (this.queue.length > 0) {
          const m = this.queue.shift()!;
          if (this.paused && this.queue.length < this.maxQueued / 2 + 1) {
            this.paused = false;
            this.socket.resume();
          }
          yield m;
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
    this.queue.push(isBinary ? toBytes(data) : data.toString());
    if (this.queue.length >= this.maxQueued && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.notify();
  };

  private readonly onClose = (code: number, reason: Buffer): void => {
    this.ended = true;
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

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
