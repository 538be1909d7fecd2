import { Code, RpcError } from "../../core/index.js";
import { ClientCall } from "./client-call.js";

/** Messages buffered before the HTTP/2 stream is paused (flow control then holds the server). */
const HIGH_WATER = 32;
const LOW_WATER = 8;
/** Bytes buffered before the stream is paused, whatever the count. */
const HIGH_WATER_BYTES = 1 << 20;
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

type Waiter = { resolve: (r: IteratorResult<unknown> | Promise<IteratorResult<unknown>>) => void; reject: (e: unknown) => void };

/**
 * A call with a stream of responses (server-streaming and bidi), read by pulling: messages wait in
 * a bounded queue and the HTTP/2 stream is paused while it is full. Leaving the loop early
 * (`return()`) cancels the call with RST_STREAM(CANCEL).
 * @internal
 */
export class StreamResponseCall extends ClientCall implements AsyncIterableIterator<unknown> {
  private readonly payloads: Buffer[] = [];
  private readonly flags: boolean[] = [];
  private head = 0;
  private bytes = 0;
  private waiter: Waiter | undefined;
  /** The outcome, kept until the queued messages have been read; null once reported. */
  private outcome: RpcError | null | undefined;
  private paused = false;

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.head < this.payloads.length) return this.take();
    const outcome = this.outcome;
    if (outcome === undefined) {
      if (this.waiter !== undefined) return Promise.reject(new RpcError(Code.FailedPrecondition, "next() called again before the previous one settled"));
      return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
    }
    this.outcome = null;
    return outcome === null ? Promise.resolve(DONE) : Promise.reject(outcome);
  }

  return(): Promise<IteratorResult<unknown>> {
    this.cancel(new RpcError(Code.Canceled, "the caller stopped reading the response stream"));
    this.clear();
    this.outcome = null;
    return Promise.resolve(DONE);
  }

  throw(e?: unknown): Promise<IteratorResult<unknown>> {
    this.cancel(RpcError.from(e, Code.Canceled));
    this.clear();
    this.outcome = null;
    return Promise.resolve(DONE);
  }

  /** Fail before or while the request is being sent (e.g. a request could not be encoded). */
  fail(e: unknown): void {
    this.cancel(RpcError.from(e, Code.Internal));
  }

  override cancel(reason: RpcError): void {
    if (this.done) return;
    this.clear(); // a cancelled call stops at once; messages not yet read are dropped
    super.cancel(reason);
  }

  protected onMessage(compressed: boolean, payload: Buffer): void {
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      return w.resolve(this.result(compressed, payload));
    }
    this.payloads.push(payload);
    this.flags.push(compressed);
    this.bytes += payload.length;
    if (!this.paused && (this.payloads.length - this.head >= HIGH_WATER || this.bytes >= HIGH_WATER_BYTES)) {
      this.paused = true;
      this.stream?.pause();
    }
  }

  protected settle(outcome: RpcError | null): void {
    const w = this.waiter;
    if (w === undefined || this.head < this.payloads.length) {
      this.outcome = outcome;
      return;
    }
    this.waiter = undefined;
    this.outcome = null;
    if (outcome === null) w.resolve(DONE);
    else w.reject(outcome);
  }

  private take(): Promise<IteratorResult<unknown>> {
    const i = this.head++;
    const payload = this.payloads[i]!;
    const compressed = this.flags[i]!;
    this.bytes -= payload.length;
    if (this.head === this.payloads.length) this.clear();
    if (this.paused && this.payloads.length - this.head <= LOW_WATER && this.bytes < HIGH_WATER_BYTES / 4) {
      this.paused = false;
      this.stream?.resume();
    }
    return this.result(compressed, payload);
  }

  private result(compressed: boolean, payload: Buffer): Promise<IteratorResult<unknown>> {
    try {
      const value = this.decodeMessage(compressed, payload);
      if (!compressed) return Promise.resolve({ done: false, value });
      return (value as Promise<unknown>).then((v) => ({ done: false, value: v }), (e) => this.failed(e));
    } catch (e) {
      return this.failed(e);
    }
  }

  private failed(e: unknown): Promise<never> {
    const err = RpcError.from(e, Code.Internal);
    this.cancel(err);
    this.outcome = null;
    return Promise.reject(err);
  }

  private clear(): void {
    this.payloads.length = 0;
    this.flags.length = 0;
    this.head = 0;
    this.bytes = 0;
  }
}
