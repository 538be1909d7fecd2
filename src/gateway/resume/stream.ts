import { Code, RpcError } from "../../core/index.js";
import { doneEventText, errorEventText, messageEventText } from "../sse-stream.js";

/** Limits of one resumable stream. @internal */
export interface StreamLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
}

/**
 * One resumable generation: the upstream call runs on its own signal (not the HTTP request's),
 * its events go into a bounded replay buffer, and at most one reader at a time takes them from a
 * cursor. Events are kept after they are sent (up to the limits) so that a reader that comes
 * back with `Last-Event-ID` gets exactly the ones after it. The producer pulls the next upstream
 * message only while fewer than `maxEvents` events (and `maxBytes` bytes) are unread, so a
 * stream nobody reads pauses its upstream call.
 * @internal
 */
export class ResumableStream {
  /** Aborts the upstream call. */
  readonly controller = new AbortController();
  /** Formatted events; `events[i]` has sequence number `base + i`. */
  private readonly events: string[] = [];
  private base = 0;
  /** Sequence number of the next event produced. */
  private produced = 0;
  private bytes = 0;
  /** Next sequence number to hand to the reader, and the bytes of events from it on. */
  private cursor = 0;
  private unreadBytes = 0;
  /** The upstream call is over: the last event (done or error) is in the buffer. */
  ended = false;
  /** Why the upstream call was stopped while the events are kept (see `stop`). */
  private stopReason: RpcError | undefined;
  private readerToken: object | undefined;
  private wakeProducer: (() => void) | undefined;
  private wakeReader: (() => void) | undefined;

  constructor(readonly id: string, private readonly limits: StreamLimits, private readonly onBytes: (delta: number) => void) {}

  /** Bytes of events held. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** The sequence number an event id of this stream stands for, or undefined if it is not one. */
  seqOf(eventId: string): number | undefined {
    const colon = eventId.lastIndexOf(":");
    if (colon < 0 || eventId.slice(0, colon) !== this.id) return undefined;
    const seq = Number(eventId.slice(colon + 1));
    return Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
  }

  /** Run the upstream call into the buffer. `encode` turns a message into its JSON text. */
  async produce(source: AsyncIterable<unknown>, encode: (json: unknown) => string): Promise<void> {
    const it = source[Symbol.asyncIterator]();
    const signal = this.controller.signal;
    let done = false;
    try {
      for (;;) {
        while (this.full() && !signal.aborted) await new Promise<void>((resolve) => { this.wakeProducer = resolve; });
        if (signal.aborted) break;
        const step = await it.next();
        if (step.done === true) {
          done = true;
          this.push(doneEventText(this.nextId()));
          break;
        }
        this.push(messageEventText(this.nextId(), encode(step.value)));
      }
    } catch (e) {
      done = true;
      if (!signal.aborted) this.fail(e); // aborted: dropped (nobody will read it) or stopped (below)
    } finally {
      if (this.stopReason !== undefined) this.fail(this.stopReason);
      this.ended = true;
      if (!done) it.return?.()?.then(undefined, () => {});
      this.notifyReader();
    }
  }

  /**
   * Become the reader from sequence number `from` (0 = the start). A reader already attached is
   * detached (its `next()` returns undefined). Throws OUT_OF_RANGE when events after `from - 1`
   * are no longer kept.
   */
  attach(from: number): object {
    if (from < this.base) throw new RpcError(Code.OutOfRange, `stream ${this.id} no longer keeps events before ${this.base}; start a new one`);
    if (from > this.produced) throw new RpcError(Code.InvalidArgument, `stream ${this.id} has no event ${from - 1} yet`);
    const token = {};
    this.readerToken = token;
    this.cursor = from;
    this.unreadBytes = 0;
    for (let i = from - this.base; i < this.events.length; i++) this.unreadBytes += this.events[i]!.length;
    this.notifyReader(); // a reader it replaces wakes up and sees it is detached
    this.wakeUp();
    return token;
  }

  /** Whether `token` is still the reader. */
  isReader(token: object): boolean {
    return this.readerToken === token;
  }

  /** Give up reading (the client left); the stream stays for another reader. */
  detach(token: object): void {
    if (this.readerToken !== token) return;
    this.readerToken = undefined;
    this.notifyReader();
  }

  /** Whether some reader is attached. */
  get hasReader(): boolean {
    return this.readerToken !== undefined;
  }

  /** True when the reader has taken everything and nothing more will come. */
  get drained(): boolean {
    return this.ended && this.cursor === this.produced;
  }

  /**
   * The next event for `token`: its text, or `null` when the stream is over, or `undefined` when
   * `token` is no longer the reader. Waits while nothing is unread.
   */
  async next(token: object): Promise<string | null | undefined> {
    for (;;) {
      if (this.readerToken !== token) return undefined;
      if (this.cursor < this.produced) {
        const text = this.events[this.cursor - this.base]!;
        this.cursor++;
        this.unreadBytes -= text.length;
        this.evict();
        this.wakeUp();
        return text;
      }
      if (this.ended) return null;
      await new Promise<void>((resolve) => { this.wakeReader = resolve; });
    }
  }

  /** Stop the upstream call but keep the events: a reader that comes back gets them, then an `error` event with `reason`. */
  stop(reason: RpcError): void {
    if (this.ended || this.controller.signal.aborted) return;
    this.stopReason = reason;
    this.controller.abort(reason);
    this.wakeUp();
  }

  /** Stop the upstream call and drop the events. */
  abort(reason: RpcError): void {
    this.stopReason = undefined;
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    this.readerToken = undefined;
    this.onBytes(-this.bytes);
    this.bytes = 0;
    this.events.length = 0;
    this.base = this.produced;
    this.cursor = this.produced;
    this.wakeUp();
    this.notifyReader();
  }

  /** The upstream failed (after it accepted the call, so the reader has its 200): an `error` event. */
  private fail(e: unknown): void {
    this.push(errorEventText(e, this.nextId()));
  }

  private nextId(): string {
    return `${this.id}:${this.produced}`;
  }

  private full(): boolean {
    return this.produced - this.cursor >= this.limits.maxEvents || this.unreadBytes >= this.limits.maxBytes;
  }

  private push(text: string): void {
    this.events.push(text);
    this.produced++;
    this.bytes += text.length;
    this.unreadBytes += text.length;
    this.onBytes(text.length);
    this.evict();
    this.notifyReader();
  }

  /** Drop events already read while the buffer is over its limits. */
  private evict(): void {
    let dropped = 0;
    while (this.base < this.cursor && (this.events.length > this.limits.maxEvents || this.bytes - dropped > this.limits.maxBytes)) {
      dropped += this.events.shift()!.length;
      this.base++;
    }
    if (dropped > 0) {
      this.bytes -= dropped;
      this.onBytes(-dropped);
    }
  }

  private wakeUp(): void {
    const w = this.wakeProducer;
    this.wakeProducer = undefined;
    w?.();
  }

  private notifyReader(): void {
    const w = this.wakeReader;
    this.wakeReader = undefined;
    w?.();
  }
}
