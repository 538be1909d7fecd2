/**
 * A histogram with fixed bucket bounds, counted in place (no allocation per observation), in
 * Prometheus's shape: cumulative counts per upper bound, a sum and a count.
 */
export class FixedHistogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) if (v <= b[i]!) this.counts[i]!++;
  }
}

const MS_BUCKETS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * What the continuous-batching scheduler reports, as plain numbers and in-place histograms for
 * `/metrics` to read at scrape time (`weir_scheduler_*`).
 */
export class SchedulerStats {
  /** Sequences in the batch now (a gauge). */
  running = 0;
  /** Sequences waiting to join (a gauge). */
  waiting = 0;
  /** Sequences out of the batch because their reader is behind (a gauge). */
  preempted = 0;
  /** Model steps run (a counter). */
  steps = 0;
  /** Times a sequence was preempted (a counter). */
  preemptions = 0;
  /** Sequences that lost their state while preempted and recomputed it (a counter). */
  recomputes = 0;
  /** Requests refused because the waiting queue was full (a counter). */
  rejected = 0;
  /** Sequences per step. */
  readonly batchSize = new FixedHistogram(BATCH_BUCKETS);
  /** From submission to the first step that includes the sequence, ms. */
  readonly queueTimeMs = new FixedHistogram(MS_BUCKETS);
  /** From submission to the first token, ms. */
  readonly timeToFirstTokenMs = new FixedHistogram(MS_BUCKETS);
  /** Between two tokens of a sequence, ms. */
  readonly interTokenMs = new FixedHistogram(MS_BUCKETS);
}
