/** Small statistics helpers for benchmark samples. */

/** A growable list of numbers without per-sample allocation. */
export class Samples {
  private data: Float64Array;
  private n = 0;
  constructor(initialCapacity = 1 << 16) {
    this.data = new Float64Array(initialCapacity);
  }
  get length(): number {
    return this.n;
  }
  push(value: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = value;
  }
  /** Append every value of `values`. */
  pushAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.push(values[i]!);
  }
  /** The samples in the order pushed (a view, valid until the next push). */
  view(): Float64Array {
    return this.data.subarray(0, this.n);
  }
  /** The samples, sorted ascending (a copy). */
  sorted(): Float64Array {
    return this.data.slice(0, this.n).sort();
  }
}

/** The p-th percentile (0..100) of ascending `sorted` by nearest rank; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(Float64Array.from(values).sort(), 50);
}

export function mean(sorted: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return sorted.length === 0 ? Number.NaN : sum / sorted.length;
}

/** a / b to three decimals, or null when either side is missing or b is zero. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return Math.round((a / b) * 1000) / 1000;
}

/** Round to `digits` significant figures, for tables and JSON. */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** Latency figures in milliseconds, rounded for tables. */
export interface LatencySummary { p50_ms: number; p99_ms: number; mean_ms: number; max_ms: number }

export function summarizeLatency(samples: Samples): LatencySummary {
  const sorted = samples.sorted();
  return {
    p50_ms: round(percentile(sorted, 50), 3),
    p99_ms: round(percentile(sorted, 99), 3),
    mean_ms: round(mean(sorted), 3),
    max_ms: round(sorted[sorted.length - 1] ?? Number.NaN, 3),
  };
}
