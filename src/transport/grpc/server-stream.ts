import type { ServerHttp2Stream } from "node:http2";
import { RpcError } from "../../core/index.js";

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
/** A batch this large is written at once: about one HTTP/2 DATA frame. */
const FLUSH_BYTES = 16 * 1024;
/**
 * Production pauses when this much is written but not yet taken by HTTP/2 (flow control), and
 * resumes on 'drain'. Above the stream's own 16 KiB, so that encoding overlaps sending.
 */
const HIGH_WATER_BYTES = 128 * 1024;

/**
 * @internal Packs small response envelopes into slabs written as one chunk each, so that a stream
 * of many small messages costs few writes. Written regions are never reused; the rest of a slab
 * takes the next batch. A batch is written when the slab is full, when `flush()` is called (the
 * end of the call), or on the next turn of the event loop: latency stays within one turn.
 */
export class BatchWriter {
  private slab: Buffer | undefined;
  private start = 0;
  private used = 0;
  private scheduled = false;

  /** `onWrite(ok)` learns whether the stream's buffer still has room after each write. */
  constructor(private readonly stream: ServerHttp2Stream, private readonly onWrite: (ok: boolean) => void) {}

  append(payload: Uint8Array, compressed: boolean): void {
    const n = payload.byteLength;
    if (this.slab === undefined || n + 5 > this.slab.length - this.used) {
      this.flush();
      if (n + 5 > SLAB_BYTES / 2) return this.writeDirect(payload, compressed);
      this.slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.start = this.used = 0;
    }
    const slab = this.slab;
    const at = this.used;
    slab[at] = compressed ? 1 : 0;
    slab.writeUInt32BE(n, at + 1);
    slab.set(payload, at + 5);
    this.used = at + 5 + n;
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
    if (this.stream.destroyed) return;
    this.written(this.stream.write(chunk));
  }

  private written(ok: boolean): void {
    this.onWrite(ok || this.stream.writableLength < HIGH_WATER_BYTES);
  }

  /** Drop what is batched (the call failed and nothing more may be sent). */
  discard(): void {
    this.start = this.used;
  }

  private writeDirect(payload: Uint8Array, compressed: boolean): void {
    const prefix = Buffer.allocUnsafe(5);
    prefix[0] = compressed ? 1 : 0;
    prefix.writeUInt32BE(payload.byteLength, 1);
    if (this.stream.destroyed) return;
    this.stream.write(prefix);
    this.written(this.stream.write(payload));
  }

  /** @internal */
  timerFired(): void {
    this.scheduled = false;
    this.flush();
  }
}

function flushLater(w: BatchWriter): void {
  w.timerFired();
}
