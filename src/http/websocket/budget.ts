/** A socket that stopped reading until the shared budget has room again. @internal */
export interface BudgetWaiter {
  budgetFreed(): void;
}

/**
 * The received bytes that the sockets of one server hold in memory together: messages not yet
 * read by their handlers and messages still arriving. A socket that receives while the total is
 * at `maxBytes` stops reading; all of them read again once the total is back under three
 * quarters of it, so that they do not stop and start for every message.
 * @internal
 */
export class WebSocketBudget {
  private heldBytes = 0;
  private readonly waiting = new Set<BudgetWaiter>();

  constructor(readonly maxBytes: number) {}

  /** Bytes held now. */
  get held(): number {
    return this.heldBytes;
  }

  get exhausted(): boolean {
    return this.heldBytes >= this.maxBytes;
  }

  /** Add (or, negative, give back) bytes held. */
  adjust(delta: number): void {
    this.heldBytes += delta;
    if (delta < 0 && this.waiting.size > 0 && this.heldBytes <= this.maxBytes * 0.75) {
      const ready = [...this.waiting];
      this.waiting.clear();
      for (const w of ready) w.budgetFreed();
    }
  }

  /** Call `w.budgetFreed()` once the total has room again. */
  wait(w: BudgetWaiter): void {
    this.waiting.add(w);
  }

  forget(w: BudgetWaiter): void {
    this.waiting.delete(w);
  }
}
