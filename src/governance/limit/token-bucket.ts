/**
 * A token bucket: `rate` tokens a second, at most `burst` saved up. `take()` is O(1) and allocates nothing.
 * @internal
 */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(readonly rate: number, readonly burst: number) {
    this.tokens = burst;
  }

  /** Take one token; true when there was one. */
  take(now = performance.now()): boolean {
    const t = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (t >= 1) {
      this.tokens = t - 1;
      return true;
    }
    this.tokens = t;
    return false;
  }

  /** Ms until the next token. */
  waitMs(): number {
    return Math.max(0, Math.ceil(((1 - this.tokens) * 1000) / this.rate));
  }
}
