/**
 * The request stream of a client-streaming or bidi call, readable again by a later attempt: the
 * messages taken so far are kept (up to `max`), so a retry sends them again before reading on.
 * Attempts read one after another, never at once. Past `max` messages nothing is kept and the
 * call can no longer be retried.
 * @internal
 */
export class ReplayableRequests<T> {
  private items: T[] = [];
  private done = false;
  private keeping = true;
  private pulling: Promise<IteratorResult<T>> | undefined;
  private readonly it: AsyncIterator<T>;

  constructor(source: AsyncIterable<T>, private readonly max: number) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** True while every message taken so far is still kept. */
  get replayable(): boolean {
    return this.keeping;
  }

  /** Stop keeping messages (an attempt won; no more retries). */
  release(): void {
    this.keeping = false;
    this.items = [];
  }

  /** End the source (the call is over). */
  async close(): Promise<void> {
    this.release();
    if (!this.done) {
      this.done = true;
      await this.it.return?.().catch(() => {});
    }
  }

  /** A fresh reader from the first message. */
  reader(): AsyncIterable<T> {
    let i = 0;
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<T>> => {
          if (this.keeping && i < this.items.length) return { done: false, value: this.items[i++]! };
          if (this.done) return { done: true, value: undefined };
          const r = await this.pull();
          if (!r.done && this.keeping) i = this.items.length;
          return r;
        },
        // leaving early must not end the shared source: a later attempt reads on
        return: async (): Promise<IteratorResult<T>> => ({ done: true, value: undefined }),
      }),
    };
  }

  /** One pull at a time: an abandoned attempt's pending pull is kept for the next reader. */
  private pull(): Promise<IteratorResult<T>> {
    this.pulling ??= this.it.next().then((r) => {
      this.pulling = undefined;
      if (r.done) this.done = true;
      else if (this.keeping) {
        if (this.items.length < this.max) this.items.push(r.value);
        else this.release();
      }
      return r;
    }, (e) => {
      this.pulling = undefined;
      throw e;
    });
    return this.pulling;
  }
}
