/**
 * Counters an engine keeps, as plain numbers, for the gateway's metrics to read
 * (`weir_engine_generated_tokens_total`, `weir_engine_active_sequences`). Several engines may
 * share one instance.
 *
 * @example
 * const stats = new EngineStats();
 * const engine = await createBuiltinEngine({ stats });
 * gauge.set(stats.activeSequences);
 */
export class EngineStats {
  /** Tokens produced since start (a counter: it only grows). */
  generatedTokens = 0;
  /** Generations running now (a gauge). */
  activeSequences = 0;
  /** Generations started since start (a counter). */
  sequencesStarted = 0;

  /** A copy of the current values. */
  snapshot(): { generatedTokens: number; activeSequences: number; sequencesStarted: number } {
    return { generatedTokens: this.generatedTokens, activeSequences: this.activeSequences, sequencesStarted: this.sequencesStarted };
  }
}
