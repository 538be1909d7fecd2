/**
 * @internal Bytes held at once, shared by every connection of a server: a reservation that does
 * not fit waits (first come, first served) until enough is released. A reservation larger than the
 * whole budget is cut to the budget, so it waits for everything else but never for ever.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: { readonly bytes: number; readonly start: () => void }[] = [];

  constructor(readonly max: number) {}

  /** The bytes a reservation of `bytes` takes (at most the whole budget). */
  size(bytes: number): number {
    return Math.min(bytes, this.max);
  }

  /** Reserve `size(bytes)`: `start` runs now if they fit and no one waits, else once they do. */
  reserve(bytes: number, start: () => void): void {
    const n = this.size(bytes);
    if (this.waiting.length === 0 && this.used + n <= this.max) {
      this.used += n;
      start();
    } else {
      this.waiting.push({ bytes: n, start });
    }
  }

  /** Give back `bytes` of a reservation; waiting reservations that now fit start, in order. */
  release(bytes: number): void {
    this.used -= bytes;
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.max) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.start();
    }
  }

  /** Bytes reserved now. */
  get inUse(): number {
    return this.used;
  }
}
