/**
 * Success and failure counts over a rolling time window, kept in `buckets` slots that expire one
 * by one: recording is a few integer operations, no allocation.
 * @internal
 */
export class RollingWindow {
  private readonly successes: Int32Array;
  private readonly failures: Int32Array;
  private readonly bucketMs: number;
  /** Index (in bucket units since the epoch) of the newest bucket. */
  private head = 0;
  private okTotal = 0;
  private failTotal = 0;
  /** Slot of the newest bucket, and the time it ends: records before then skip the arithmetic. */
  private headSlot = 0;
  private headEnd = -Infinity;

  constructor(windowMs: number, buckets = 10) {
    if (!(windowMs > 0) || !Number.isInteger(buckets) || buckets < 1) {
      throw new RangeError(`window needs windowMs > 0 and an integer bucket count >= 1 (got ${windowMs}, ${buckets})`);
    }
    this.successes = new Int32Array(buckets);
    this.failures = new Int32Array(buckets);
    this.bucketMs = windowMs / buckets;
  }

  record(ok: boolean, now = Date.now()): void {
    const i = now < this.headEnd && now >= this.headEnd - this.bucketMs ? this.headSlot : this.advance(now);
    if (ok) { this.successes[i]!++; this.okTotal++; } else { this.failures[i]!++; this.failTotal++; }
  }

  /** Calls recorded in the window. */
  total(now = Date.now()): number {
    this.advance(now);
    return this.okTotal + this.failTotal;
  }

  failuresInWindow(now = Date.now()): number {
    this.advance(now);
    return this.failTotal;
  }

  /** Failures / total in the window (0 when empty). */
  errorRate(now = Date.now()): number {
    this.advance(now);
    const n = this.okTotal + this.failTotal;
    return n === 0 ? 0 : this.failTotal / n;
  }

  reset(): void {
    this.successes.fill(0);
    this.failures.fill(0);
    this.okTotal = this.failTotal = 0;
  }

  /** Expire buckets older than the window; returns the slot of the current bucket. */
  private advance(now: number): number {
    const n = this.successes.length;
    const current = Math.floor(now / this.bucketMs);
    const gap = current - this.head;
    if (gap > 0) {
      if (gap >= n) this.reset();
      else {
        for (let k = 1; k <= gap; k++) {
          const slot = (this.head + k) % n;
          this.okTotal -= this.successes[slot]!;
          this.failTotal -= this.failures[slot]!;
          this.successes[slot] = 0;
          this.failures[slot] = 0;
        }
      }
      this.head = current;
    }
    const slot = ((current % n) + n) % n;
    if (current === this.head) {
      this.headSlot = slot;
      this.headEnd = (current + 1) * this.bucketMs;
    }
    return slot;
  }
}
