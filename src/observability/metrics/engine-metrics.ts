import { Counter, Gauge, type Registry } from "prom-client";

/**
 * What the engine metrics read at each scrape: an engine's counters as plain numbers. The
 * serving layer's `EngineStats` has this shape, so it can be passed as is; observability does not
 * import serving.
 */
export interface EngineCounters {
  /** Tokens produced since start (only grows). */
  readonly generatedTokens: number;
  /** Generations running now. */
  readonly activeSequences: number;
  /** Generations started since start (only grows). Left out: the metric is not registered. */
  readonly sequencesStarted?: number;
}

/** A source of engine counters: the object itself (read at each scrape) or a function returning it. */
export type EngineCountersSource = EngineCounters | (() => EngineCounters);

/** Names of the engine metrics. */
export const ENGINE_METRIC_NAMES = Object.freeze({
  generatedTokens: "weir_engine_generated_tokens_total",
  activeSequences: "weir_engine_active_sequences",
  sequencesStarted: "weir_engine_sequences_started_total",
});

/**
 * Register the engine metrics on `registry`; their values are read from `source` when the
 * registry is scraped, so nothing runs per token:
 *
 * - `weir_engine_generated_tokens_total` (counter): tokens the engine produced;
 * - `weir_engine_active_sequences` (gauge): generations running now;
 * - `weir_engine_sequences_started_total` (counter): generations started, when the source has it.
 *
 * @example
 * const registry = new Registry();
 * registerEngineMetrics(registry, engine.stats);
 */
export function registerEngineMetrics(registry: Registry, source: EngineCountersSource): void {
  const read = typeof source === "function" ? source : () => source;
  new Counter({
    name: ENGINE_METRIC_NAMES.generatedTokens,
    help: "Tokens the engine produced.",
    registers: [registry],
    collect() {
      mirror(this, read().generatedTokens);
    },
  });
  new Gauge({
    name: ENGINE_METRIC_NAMES.activeSequences,
    help: "Generations running now.",
    registers: [registry],
    collect() {
      this.set(read().activeSequences);
    },
  });
  if (read().sequencesStarted === undefined) return;
  new Counter({
    name: ENGINE_METRIC_NAMES.sequencesStarted,
    help: "Generations the engine started.",
    registers: [registry],
    collect() {
      mirror(this, read().sequencesStarted ?? 0);
    },
  });
}

/** Set a counter to a total kept elsewhere (prom-client counters only have `inc`). */
function mirror(counter: Counter, total: number): void {
  counter.reset();
  if (total > 0) counter.inc(total);
}
