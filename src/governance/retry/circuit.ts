import { RollingWindow } from "../circuit-breaker/window.js";

/** Samples the retry circuit needs before its ratio counts (Kitex's cbMinSample). */
export const RETRY_CIRCUIT_MIN_SAMPLES = 10;
/** Window of the retry circuit. */
export const RETRY_CIRCUIT_WINDOW_MS = 10_000;

/**
 * Per-method windows that stop retries when errors (or retries) make up too much of the traffic.
 * @internal
 */
export class RetryCircuit {
  private readonly windows = new Map<string, RollingWindow>();

  window(key: string): RollingWindow {
    let w = this.windows.get(key);
    if (w === undefined) this.windows.set(key, (w = new RollingWindow(RETRY_CIRCUIT_WINDOW_MS)));
    return w;
  }

  /** Why retrying is stopped for this window now, or undefined if it may go on. */
  static blocked(w: RollingWindow, errorRate: number): string | undefined {
    const n = w.total();
    if (n < RETRY_CIRCUIT_MIN_SAMPLES) return undefined;
    const rate = w.errorRate();
    return rate >= errorRate ? `retry circuit open: error ratio ${(rate * 100).toFixed(1)}% over ${n} samples` : undefined;
  }
}
