import { Code, RpcError } from "../../core/index.js";
import type { Codec } from "../../rpc/index.js";
import { decompress, type InflateGate } from "./compression.js";

/** What a request stream needs from its call. */
export interface RequestSource {
  /** Stop reading from the HTTP/2 stream (flow control then holds the client back). */
  pause(): void;
  resume(): void;
  /** A request message could not be read: the call fails with this error. */
  fail(err: RpcError): void;
  /** Set `ctx.lastRequestCompressed` as a message is handed out. */
  handedOut(compressed: boolean): void;
}

/** Messages queued beyond this many bytes pause the HTTP/2 stream until the handler catches up. */
const HIGH_WATER_BYTES = 64 * 1024;
const HIGH_WATER_COUNT = 256;

const DONE: IteratorResult<unknown> = Object.freeze({ done: true, value: undefined });

/**
 * @internal The request messages of a client-streaming or bidi call, pulled by the handler. Frames
 * arrive from the HTTP/2 stream (views of the received chunks, not copies); each is decompressed
 * and decoded when the handler asks for it. A handler that does not read pauses the stream.
 * When the call is cancelled, the iteration throws the cancellation's RpcError.
 */
export class RequestStream implements AsyncIterableIterator<unknown> {
  private payloads: Buffer[] = [];
  private flags: boolean[] = [];
  private head = 0;
  private queuedBytes = 0;
  private paused = false;
  private ended = false;
  private error: RpcError | undefined;
  private abandoned = false;
  private waiting: { resolve: (r: IteratorResult<unknown>) => void; reject: (e: unknown) => void } | undefined;

  constructor(
    private readonly source: RequestSource,
    private readonly codec: Codec,
    private readonly encoding: string,
    private readonly maxBytes: number,
    private readonly gate: InflateGate,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** A frame arrived from the wire. */
  push(compressed: boolean, payload: Buffer): void {
    if (this.abandoned || this.error !== undefined) return;
    if (this.waiting !== undefined && this.head === this.payloads.length) {
      const w = this.waiting;
      this.waiting = undefined;
      this.deliver(compressed, payload).then(w.resolve, w.reject);
      return;
    }
    this.payloads.push(payload);
    this.flags.push(compressed);
    this.queuedBytes += payload.length;
    if (!this.paused && (this.queuedBytes > HIGH_WATER_BYTES || this.payloads.length - this.head > HIGH_WATER_COUNT)) {
      this.paused = true;
      this.source.pause();
    }
  }

  /** The client half-closed: the iteration ends once the queue is read. */
  end(): void {
    this.ended = true;
    if (this.waiting !== undefined && this.head === this.payloads.length) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve(DONE);
    }
  }

  /** The call ended (error, cancellation, or the handler's result was sent): stop and release. */
  close(err: RpcError | undefined): void {
    if (err !== undefined && this.error === undefined) this.error = err;
    this.ended = true;
    this.drop();
    const w = this.waiting;
    this.waiting = undefined;
    if (w === undefined) return;
    if (this.error !== undefined) w.reject(this.error);
    else w.resolve(DONE);
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.head < this.payloads.length) {
      const payload = this.payloads[this.head]!;
      const compressed = this.flags[this.head]!;
      this.payloads[this.head++] = EMPTY;
      this.queuedBytes -= payload.length;
      this.compact();
      return this.deliver(compressed, payload);
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended || this.abandoned) return Promise.resolve(DONE);
    if (this.waiting !== undefined) return Promise.reject(new RpcError(Code.FailedPrecondition, "next() called again before the previous call settled"));
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** The handler stopped reading (left its `for await` loop): further messages are discarded. */
  return(): Promise<IteratorResult<unknown>> {
    this.abandoned = true;
    this.drop();
    return Promise.resolve(DONE);
  }

  private async deliver(compressed: boolean, payload: Buffer): Promise<IteratorResult<unknown>> {
    let bytes: Uint8Array = payload;
    try {
      if (compressed) bytes = await inflate(this.encoding, payload, this.maxBytes, this.gate);
      const value = this.codec.decode(bytes);
      this.source.handedOut(compressed);
      return { done: false, value };
    } catch (e) {
      const err = RpcError.from(e, Code.Internal);
      this.error ??= err;
      this.source.fail(err);
      throw err;
    }
  }

  private compact(): void {
    if (this.head === this.payloads.length) {
      this.payloads.length = 0;
      this.flags.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.payloads = this.payloads.slice(this.head);
      this.flags = this.flags.slice(this.head);
      this.head = 0;
    }
    if (this.paused && this.queuedBytes <= HIGH_WATER_BYTES / 2 && this.payloads.length - this.head <= HIGH_WATER_COUNT / 2) {
      this.paused = false;
      this.source.resume();
    }
  }

  private drop(): void {
    this.payloads = [];
    this.flags = [];
    this.head = 0;
    this.queuedBytes = 0;
    if (this.paused) {
      this.paused = false;
      this.source.resume();
    }
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Decompress one received message. A compressed flag on a call without `grpc-encoding` is a
 * protocol error (INTERNAL); the size limit applies after inflation, and `gate` bounds the messages
 * inflating in the thread pool at once.
 */
export function inflate(encoding: string, payload: Uint8Array, maxBytes: number, gate: InflateGate): Promise<Buffer> {
  if (encoding === "identity") {
    return Promise.reject(new RpcError(Code.Internal, "message has the compressed flag set but the call has no grpc-encoding"));
  }
  return decompress(encoding, payload, maxBytes, gate);
}
