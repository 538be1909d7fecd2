import { performance } from "node:perf_hooks";

/**
 * Resolves true at `due` (a `performance.now()` time), or false as soon as `signal` aborts.
 * A due time in the past resolves on the next turn of the event loop, so a generation that is
 * not throttled still lets I/O (and aborts) in between tokens.
 */
export function waitUntil(due: number, signal: AbortSignal | undefined): Promise<boolean> {
  const delay = due - performance.now();
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = () => {
      if (delay > 0) clearTimeout(timer as NodeJS.Timeout);
      else clearImmediate(timer as NodeJS.Immediate);
      resolve(false);
    };
    const done = () => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    };
    const timer = delay > 0 ? setTimeout(done, delay) : setImmediate(done);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Token pacing: with `tokensPerSecond` > 0, token n is due at start + n / rate (a fixed schedule,
 * so timer lateness does not add up); with 0, every token is due at once.
 */
export class Pacer {
  private readonly start = performance.now();
  private readonly intervalMs: number;

  constructor(tokensPerSecond: number) {
    this.intervalMs = tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0;
  }

  /** Wait for token `n` (0-based); false if the signal aborted first. */
  wait(n: number, signal: AbortSignal | undefined): Promise<boolean> {
    return waitUntil(this.start + n * this.intervalMs, signal);
  }
}
