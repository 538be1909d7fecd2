/**
 * @internal Items that each expire a fixed time after they were added, in the order they were
 * added: one Node timer serves them all, armed for the oldest. Deleting an item is a map
 * operation; the timer, when it fires early for a deleted item, re-arms for the next.
 * Serves the connections waiting for their handshake, the refused ones, and the messages
 * waiting for a turn to inflate.
 */
export class ExpiryQueue<T> {
  private readonly items = new Map<T, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /**
   * `timeoutMs` Infinity: items never expire. `onExpire` gets each item once, already removed.
   * `holdProcess`: the timer keeps the process alive while items wait (default false: whatever
   * the items stand for, sockets for instance, does that).
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (item: T) => void,
    private readonly holdProcess = false,
  ) {}

  get size(): number {
    return this.items.size;
  }

  has(item: T): boolean {
    return this.items.has(item);
  }

  /** Add `item` at the back; it expires `timeoutMs` from now. */
  add(item: T): void {
    this.items.delete(item); // a re-added item goes to the back: the map keeps expiry order
    this.items.set(item, Date.now() + this.timeoutMs);
    if (this.timer === undefined && Number.isFinite(this.timeoutMs) && !this.stopped) this.arm();
  }

  /** Remove `item`; false when it was not queued. */
  delete(item: T): boolean {
    return this.items.delete(item);
  }

  /** Remove and return the oldest item. */
  shift(): T | undefined {
    for (const item of this.items.keys()) {
      this.items.delete(item);
      return item;
    }
    return undefined;
  }

  /** Stop the timer for good; items stay (the caller disposes of them). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    for (const at of this.items.values()) {
      this.timer = setTimeout(expire, Math.max(0, at - Date.now()), this);
      if (!this.holdProcess) this.timer.unref();
      return;
    }
  }

  /** @internal */
  fire(): void {
    this.timer = undefined;
    const now = Date.now();
    for (const [item, at] of this.items) {
      if (at > now) break;
      this.items.delete(item);
      this.onExpire(item);
    }
    if (this.items.size > 0 && this.timer === undefined && !this.stopped) this.arm();
  }
}

function expire(q: { fire(): void }): void {
  q.fire();
}
