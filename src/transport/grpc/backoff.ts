/** Reconnect backoff, as gRPC's connection-backoff.md describes it. */
export interface BackoffOptions {
  /** Delay after the first failed attempt. Default 1000 ms. */
  initialMs?: number;
  /** Upper bound of the delay. Default 120000 ms. */
  maxMs?: number;
  /** Growth factor per failed attempt. Default 1.6. */
  multiplier?: number;
  /** Random spread, as a fraction of the delay (0.2 = ±20%). Default 0.2. */
  jitter?: number;
}

/** Backoff options with every default filled in. */
export type ResolvedBackoffOptions = Readonly<Required<BackoffOptions>>;

/** gRPC's defaults: 1 s, ×1.6, up to 120 s, ±20%. */
export const BACKOFF_DEFAULTS: ResolvedBackoffOptions = Object.freeze({
  initialMs: 1000, maxMs: 120_000, multiplier: 1.6, jitter: 0.2,
});

/** Fill in defaults and check ranges; throws a TypeError naming the bad field. */
export function resolveBackoffOptions(o: BackoffOptions = {}): ResolvedBackoffOptions {
  const out = {
    initialMs: o.initialMs ?? BACKOFF_DEFAULTS.initialMs,
    maxMs: o.maxMs ?? BACKOFF_DEFAULTS.maxMs,
    multiplier: o.multiplier ?? BACKOFF_DEFAULTS.multiplier,
    jitter: o.jitter ?? BACKOFF_DEFAULTS.jitter,
  };
  if (!(out.initialMs >= 0)) throw new TypeError(`backoff.initialMs must be >= 0, got ${out.initialMs}`);
  if (!(out.maxMs >= out.initialMs)) throw new TypeError(`backoff.maxMs must be >= initialMs, got ${out.maxMs}`);
  if (!(out.multiplier >= 1)) throw new TypeError(`backoff.multiplier must be >= 1, got ${out.multiplier}`);
  if (!(out.jitter >= 0 && out.jitter <= 1)) throw new TypeError(`backoff.jitter must be within 0..1, got ${out.jitter}`);
  return Object.freeze(out);
}

/**
 * The delay sequence of failed connection attempts: initial, then ×multiplier up to max, each
 * spread by ±jitter. `reset()` after a connection succeeds.
 *
 * @example
 * const b = new Backoff({ initialMs: 100 });
 * b.next(); // ~100 ms, then ~160, ~256, ...
 */
export class Backoff {
  private current: number;

  constructor(private readonly options: ResolvedBackoffOptions = BACKOFF_DEFAULTS, private readonly random = Math.random) {
    this.current = options.initialMs;
  }

  /** The delay before the next attempt; grows the base for the one after. */
  next(): number {
    const { jitter, maxMs, multiplier } = this.options;
    const base = this.current;
    this.current = Math.min(base * multiplier, maxMs);
    return Math.max(0, Math.round(base * (1 + jitter * (this.random() * 2 - 1))));
  }

  /** The base delay the next failure will use (without jitter). */
  peek(): number {
    return this.current;
  }

  reset(): void {
    this.current = this.options.initialMs;
  }
}
