/**
 * @internal A bound on things in progress at once, shared by every connection of a server: a
 * start beyond `max` waits (first come, first served) until one in progress ends.
 */
export class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Call `start` now when a slot is free, else once one is; `start` owns the slot until `release()`. */
  acquire(start: () => void): void {
    if (this.used < this.max) {
      this.used++;
      start();
    } else {
      this.waiting.push(start);
    }
  }

  /** Give a slot back: the longest waiting start gets it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }

  /** Slots in use. */
  get inUse(): number {
    return this.used;
  }
}
