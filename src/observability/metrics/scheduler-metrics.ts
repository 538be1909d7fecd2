import type { Registry } from "prom-client";

/** A histogram counted elsewhere: cumulative counts per upper bound, a sum and a count. */
export interface HistogramCounts {
  readonly bounds: readonly number[];
  readonly counts: ArrayLike<number>;
  readonly sum: number;
  readonly count: number;
}

/**
 * What the scheduler metrics read at each scrape. The serving layer's `SchedulerStats` has this
 * shape (times in ms; exposed in seconds, as Prometheus names them).
 */
export interface SchedulerCounters {
  readonly running: number;
  readonly waiting: number;
  readonly preempted: number;
  readonly steps: number;
  readonly preemptions: number;
  readonly recomputes: number;
  readonly rejected: number;
  readonly batchSize: HistogramCounts;
  readonly queueTimeMs: HistogramCounts;
  readonly timeToFirstTokenMs: HistogramCounts;
  readonly interTokenMs: HistogramCounts;
}

type Kind = "gauge" | "counter" | "histogram";
type Read = (s: SchedulerCounters) => number | HistogramCounts;

const METRICS: readonly [name: string, kind: Kind, help: string, read: Read, scale: number][] = [
  ["weir_scheduler_running_sequences", "gauge", "Sequences in the batch now.", (s) => s.running, 1],
  ["weir_scheduler_waiting_sequences", "gauge", "Sequences waiting to join the batch.", (s) => s.waiting, 1],
  ["weir_scheduler_preempted_sequences", "gauge", "Sequences out of the batch because their reader is behind.", (s) => s.preempted, 1],
  ["weir_scheduler_steps_total", "counter", "Model steps run.", (s) => s.steps, 1],
  ["weir_scheduler_preemptions_total", "counter", "Times a sequence was preempted.", (s) => s.preemptions, 1],
  ["weir_scheduler_recomputes_total", "counter", "Preempted sequences that recomputed their state.", (s) => s.recomputes, 1],
  ["weir_scheduler_rejected_total", "counter", "Requests refused because the waiting queue was full.", (s) => s.rejected, 1],
  ["weir_scheduler_batch_size", "histogram", "Sequences per model step.", (s) => s.batchSize, 1],
  ["weir_scheduler_queue_time_seconds", "histogram", "Time from submission to the first step of a sequence.", (s) => s.queueTimeMs, 1000],
  ["weir_scheduler_time_to_first_token_seconds", "histogram", "Time from submission to the first token.", (s) => s.timeToFirstTokenMs, 1000],
  ["weir_scheduler_inter_token_latency_seconds", "histogram", "Time between two tokens of a sequence.", (s) => s.interTokenMs, 1000],
];

/**
 * Register the continuous-batching scheduler's metrics on `registry`, read from `source` at each
 * scrape (nothing runs per token): `weir_scheduler_running_sequences`, `…_waiting_sequences`,
 * `…_preempted_sequences` (gauges), `…_steps_total`, `…_preemptions_total`, `…_recomputes_total`,
 * `…_rejected_total` (counters), and the histograms `…_batch_size`, `…_queue_time_seconds`,
 * `…_time_to_first_token_seconds`, `…_inter_token_latency_seconds`.
 *
 * @example
 * registerSchedulerMetrics(metrics.registry, engine.scheduler);
 */
export function registerSchedulerMetrics(registry: Registry, source: SchedulerCounters | (() => SchedulerCounters)): void {
  const read = typeof source === "function" ? source : () => source;
  for (const [name, type, help, pick, scale] of METRICS) {
    const get = async () => ({ name, help, type, aggregator: "sum", values: valuesOf(name, pick(read()), scale) });
    registry.registerMetric({ name, help, type, get } as unknown as Parameters<Registry["registerMetric"]>[0]);
  }
}

function valuesOf(name: string, v: number | HistogramCounts, scale: number): { value: number; labels?: Record<string, string | number>; metricName?: string }[] {
  if (typeof v === "number") return [{ value: v, labels: {} }];
  const out: { value: number; labels?: Record<string, string | number>; metricName?: string }[] = [];
  for (let i = 0; i < v.bounds.length; i++) out.push({ value: v.counts[i]!, labels: { le: v.bounds[i]! / scale }, metricName: `${name}_bucket` });
  out.push({ value: v.count, labels: { le: "+Inf" }, metricName: `${name}_bucket` });
  out.push({ value: v.sum / scale, labels: {}, metricName: `${name}_sum` });
  out.push({ value: v.count, labels: {}, metricName: `${name}_count` });
  return out;
}
