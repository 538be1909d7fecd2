/** A `Clock` (src/core/clock.ts) whose time moves only when a test says so. */
import type { Clock } from "../../src/core/clock.js";

export interface ManualClock extends Clock {
  /** Move time forward by `ms`. */
  advance(ms: number): void;
}

/** A clock at `startMs` that stands still until `advance()`. */
export function manualClock(startMs = 1_000_000): ManualClock {
  let now = startMs;
  return { now: () => now, advance: (ms) => void (now += ms) };
}
