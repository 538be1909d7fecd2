import type { ServerHttp2Stream } from "node:http2";
import { Code, RpcError } from "../../core/index.js";
import type { Codec } from "../../rpc/index.js";
import type { SendBudget } from "./server-send.js";

/** Where a codec's `encodeInto` writes (the EncodeTarget of idl/, reached through rpc/). */
type EncodeTarget = Parameters<NonNullable<Codec["encodeInto"]>>[1];

/** What the response pump needs from its call. */
export interface ResponseSink {
  /** The call has ended (status sent, cancelled, deadline, shutdown): stop producing. */
  readonly done: boolean;
  /** The HTTP/2 stream's buffer is full: wait before producing more. */
  readonly blocked: boolean;
  /** Encode and queue one message; a promise only when a large message is compressed off-thread. */
  send(value: unknown): Promise<void> | undefined;
  /** Resolves on 'drain' or when the call ends. */
  waitWritable(): Promise<void>;
  /** Send the status (OK when `err` is undefined). */
  finish(err: RpcError | undefined): void;
}

/**
 * @internal Pull responses from a handler's async iterable and send them. Backpressure: nothing more
 * is pulled while the HTTP/2 stream's buffer is full. When the call ends early, the handler's
 * iterator is closed with `return()` (its `finally` blocks run) without waiting for it.
 */
export async function pumpResponses(sink: ResponseSink, source: AsyncIterable<unknown>): Promise<void> {
  let it: AsyncIterator<unknown>;
  try {
    it = source[Symbol.asyncIterator]();
  } catch (e) {
    return sink.finish(RpcError.from(e));
  }
  for (;;) {
    let r: IteratorResult<unknown>;
    try {
      r = await it.next();
    } catch (e) {
      return sink.finish(RpcError.from(e)); // the iterator threw: it is already finished
    }
    if (sink.done) break;
    if (r.done === true) return sink.finish(undefined);
    try {
      const pending = sink.send(r.value);
      if (pending !== undefined) await pending;
    } catch (e) {
      sink.finish(RpcError.from(e));
      break;
    }
    if (sink.blocked) await sink.waitWritable();
    if (sink.done) break;
  }
  closeQuietly(it);
}

function closeQuietly(it: AsyncIterator<unknown>): void {
  try {
    const p = it.return?.();
    if (p !== undefined) p.then(undefined, ignore);
  } catch {
    // a throwing return() has nowhere to report to: the call is already over
  }
}

function ignore(): void {}

/** Bytes of one slab: messages are packed into it and written in chunks. */
const SLAB_BYTES = 64 * 1024;
/** A message this large gets a buffer of its own, and counts against the send buffer bounds. */
const LARGE_BYTES = SLAB_BYTES / 2;

/** The send buffer bounds of the call (see `GuardedCall.takeSend`). */
export interface SendBuffer extends SendBudget {
  /** `n` counted bytes were taken. */
  giveSend(n: number): void;
}
/** A batch this large is written at once: about one HTTP/2 DATA frame. */
const FLUSH_BYTES = 16 * 1024;
/**
 * Production pauses when this much is written but not yet taken by HTTP/2, and resumes as soon as a
 * write completes with less than LOW_WATER_BYTES left, not only once all is sent ('drain'): encoding
 * overlaps sending. Kept well under the peer's usual 64 KiB flow-control window: a deeper queue only
 * delays the turn of the event loop that reads the peer's WINDOW_UPDATE and sends (measured: 128/64
 * KiB left the server idle a quarter of the time; 32/16 KiB keeps it busy).
 */
const HIGH_WATER_BYTES = 32 * 1024;
const LOW_WATER_BYTES = 16 * 1024;

/**
 * @internal Packs response envelopes into slabs written in chunks of about 16 KiB, so that a
 * stream of many small messages costs few writes; codecs with `encodeInto` encode straight into
 * the slab. Written regions are never reused; the rest of a slab takes the next batch. A batch is
 * written when it reaches 16 KiB, when `flush()` is called (the end of the call), or on the next
 * turn of the event loop: latency stays within one turn. A message of its own (LARGE_BYTES or more)
 * counts against the send buffer bounds until it is written out.
 */
export class BatchWriter implements EncodeTarget {
  /** Where `encodeInto` writes, after `reserve`. */
  buffer: Buffer = EMPTY;
  offset = 0;
  private slab: Buffer | undefined;
  private start = 0;
  private used = 0;
  private reserved = 0;
  private large = false;
  private scheduled = false;
  /** Writes completed: the send timeout's measure of a client taking bytes. */
  writesDone = 0;
  /** Sizes of the large messages being written, in order. */
  private readonly largeSizes: number[] = [];
  private readonly afterWrite = (): void => {
    this.writesDone++;
    if (this.stream.writableLength < LOW_WATER_BYTES) this.onWritable();
  };
  private readonly afterLargeWrite = (): void => {
    this.budget.giveSend(this.largeSizes.shift() ?? 0);
    this.afterWrite();
  };

  /**
   * `onFull()` is called when a write leaves the stream's buffer above the high-water mark,
   * `onWritable()` when a completed write brings it below the low-water mark.
   */
  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly maxMessageBytes: number,
    private readonly budget: SendBuffer,
    private readonly onFull: () => void,
    private readonly onWritable: () => void,
  ) {}

  /** Queue one message (its bytes are copied). */
  append(payload: Uint8Array, compressed: boolean): void {
    this.reserve(payload.byteLength, compressed);
    this.buffer.set(payload, this.offset);
    this.commit();
  }

  /**
   * Room for a message of `size` bytes, its envelope prefix written (EncodeTarget). RESOURCE_EXHAUSTED
   * over the send limit. `commit()` queues it.
   */
  reserve(size: number, compressed = false): void {
    if (size > this.maxMessageBytes) {
      throw new RpcError(Code.ResourceExhausted, `response message of ${size} bytes exceeds the limit of ${this.maxMessageBytes} bytes`);
    }
    let buf = this.slab;
    let at = this.used;
    if (buf === undefined || size + 5 > buf.length - at) {
      this.flush();
      this.large = size + 5 > LARGE_BYTES;
      if (this.large) {
        const over = this.budget.takeSend(size + 5);
        if (over !== undefined) {
          this.large = false;
          throw over;
        }
      }
      buf = Buffer.allocUnsafe(this.large ? size + 5 : SLAB_BYTES);
      at = 0;
      if (!this.large) {
        this.slab = buf;
        this.start = this.used = 0;
      }
    }
    buf[at] = compressed ? 1 : 0;
    buf[at + 1] = size >>> 24;
    buf[at + 2] = (size >>> 16) & 0xff;
    buf[at + 3] = (size >>> 8) & 0xff;
    buf[at + 4] = size & 0xff;
    this.buffer = buf;
    this.offset = at + 5;
    this.reserved = size;
  }

  /** The reserved message is written: queue it. */
  commit(): void {
    if (this.large) {
      this.large = false;
      const whole = this.buffer;
      this.buffer = EMPTY;
      if (this.stream.destroyed) return this.budget.giveSend(whole.length);
      this.largeSizes.push(whole.length);
      this.stream.write(whole, this.afterLargeWrite);
      if (this.stream.writableLength >= HIGH_WATER_BYTES) this.onFull();
      return;
    }
    this.used = this.offset + this.reserved;
    if (this.used - this.start >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(flushLater, this);
    }
  }

  /** Write what is batched now. */
  flush(): void {
    if (this.used === this.start || this.slab === undefined) return;
    const chunk = this.slab.subarray(this.start, this.used);
    this.start = this.used;
    this.write(chunk);
  }

  private write(chunk: Buffer): void {
    if (this.stream.destroyed) return;
    this.stream.write(chunk, this.afterWrite);
    if (this.stream.writableLength >= HIGH_WATER_BYTES) this.onFull();
  }

  /** @internal */
  timerFired(): void {
    this.scheduled = false;
    this.flush();
  }
}

const EMPTY = Buffer.alloc(0);

function flushLater(w: BatchWriter): void {
  w.timerFired();
}
