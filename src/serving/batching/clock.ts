/**
 * The time source of the dynamic batcher: a clock in microseconds, one-shot timers, and a way to run
 * something once pending I/O has been read. Tests pass `createManualClock()` and move time themselves.
 */
export interface BatchClock {
  /** Now, in microseconds from any fixed origin. */
  nowMicros(): number;
  /** Call `fn` once, `micros` µs from now. */
  setTimer(fn: () => void, micros: number): unknown;
  clearTimer(handle: unknown): void;
  /**
   * Call `fn` after the I/O that is ready has been read (`setImmediate`). The batcher forms a batch
   * there rather than at once, so that requests that arrived while a synchronous model held the
   * event loop join the next batch instead of waiting for the one after it.
   */
  defer(fn: () => void): void;
}

/** Longest single timer Node accepts (about 24.8 days); a longer wait fires early and is re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The process's clock: `performance.now()`, `setTimeout`, `setImmediate`. */
export const systemClock: BatchClock = Object.freeze({
  nowMicros: () => performance.now() * 1000,
  setTimer: (fn: () => void, micros: number) => setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(micros / 1000)))),
  clearTimer: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  defer: (fn: () => void) => void setImmediate(fn),
});

/** A clock whose time moves only when told (for tests). */
export interface ManualClock extends BatchClock {
  /** Move time forward by `micros`, running each timer that falls due, in order; then let deferred work run. */
  advance(micros: number): Promise<void>;
  /** Let deferred work and the promises it settles run (a few turns of the event loop; time stands still). */
  settle(): Promise<void>;
  /** Timers armed and not yet run. */
  pendingTimers(): number;
}

interface ManualTimer { readonly at: number; readonly fn: () => void; readonly seq: number }

/**
 * A clock for tests: time starts at 0 and moves with `advance()`; timers run inside `advance()`;
 * deferred work runs on the real `setImmediate`, which `advance()` and `settle()` wait for.
 *
 * @example
 * const clock = createManualClock();
 * const model = batchModel(inner, { clock });
 * const answer = model.infer(inputs, ctx);
 * await clock.advance(100);   // the queue delay passes; the batch runs
 */
export function createManualClock(): ManualClock {
  let now = 0, seq = 0;
  const timers = new Set<ManualTimer>();
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const settle = async () => {
    for (let i = 0; i < 4; i++) await turn();
  };
  const due = (until: number): ManualTimer | undefined => {
    let first: ManualTimer | undefined;
    for (const t of timers) if (t.at <= until && (first === undefined || t.at < first.at || (t.at === first.at && t.seq < first.seq))) first = t;
    return first;
  };
  return {
    nowMicros: () => now,
    setTimer(fn, micros) {
      const t = { at: now + Math.max(0, micros), fn, seq: seq++ };
      timers.add(t);
      return t;
    },
    clearTimer: (handle) => void timers.delete(handle as ManualTimer),
    defer: (fn) => void setImmediate(fn),
    async advance(micros) {
      const until = now + micros;
      await settle();
      for (let t = due(until); t !== undefined; t = due(until)) {
        timers.delete(t);
        now = Math.max(now, t.at);
        t.fn();
        await settle();
      }
      now = until;
      await settle();
    },
    settle,
    pendingTimers: () => timers.size,
  };
}
