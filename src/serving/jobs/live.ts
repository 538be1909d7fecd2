import type { JobEvent } from "./types.js";

/**
 * The readers of one job's events: each has a small queue its iterator drains; a reader that
 * falls `maxQueued` events behind gets its text events joined (text is never dropped, only merged).
 */
export class JobListeners {
  private readonly readers = new Set<Reader>();

  /** An iterator of the events from now on, until `end` or the signal. */
  subscribe(signal: AbortSignal): AsyncIterableIterator<JobEvent> {
    const reader = new Reader(signal, () => this.readers.delete(reader));
    this.readers.add(reader);
    return reader;
  }

  publish(event: JobEvent): void {
    for (const r of this.readers) r.push(event);
  }

  get size(): number {
    return this.readers.size;
  }
}

class Reader implements AsyncIterableIterator<JobEvent> {
  private readonly queue: JobEvent[] = [];
  private waiter: ((r: IteratorResult<JobEvent>) => void) | undefined;
  private done = false;

  constructor(private readonly signal: AbortSignal, private readonly leave: () => void) {
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  push(e: JobEvent): void {
    if (this.done) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w({ value: e, done: false });
    } else {
      const last = this.queue[this.queue.length - 1];
      if (e.type === "text" && last?.type === "text") this.queue[this.queue.length - 1] = { type: "text", text: last.text + e.text };
      else this.queue.push(e);
    }
    if (e.type === "end") this.finish();
  }

  next(): Promise<IteratorResult<JobEvent>> {
    const e = this.queue.shift();
    if (e !== undefined) return Promise.resolve({ value: e, done: false });
    if (this.done || this.signal.aborted) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<JobEvent>> {
    this.finish();
    this.queue.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<JobEvent> {
    return this;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.signal.removeEventListener("abort", this.onAbort);
    this.leave();
  }

  private readonly onAbort = (): void => {
    this.finish();
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  };
}
