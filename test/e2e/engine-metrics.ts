// Reading the engine's counters of a `weir serve` from its /metrics, and the check that a
// cancelled generation stopped the engine within one token.
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { readMetric } from "../../src/observability/metrics/index.js";

export interface EngineSample {
  /** weir_engine_generated_tokens_total */
  readonly tokens: number;
  /** weir_engine_active_sequences */
  readonly active: number;
  /** process_resident_memory_bytes of the serve process */
  readonly rss: number;
  /** weir_scheduler_steps_total (NaN without a scheduler) */
  readonly steps: number;
  /** weir_scheduler_running_sequences (NaN without a scheduler) */
  readonly running: number;
}

/** One scrape of `/metrics`. */
export async function sample(httpUrl: string): Promise<EngineSample> {
  const res = await fetch(`${httpUrl}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const tokens = readMetric(text, "weir_engine_generated_tokens_total");
  const active = readMetric(text, "weir_engine_active_sequences");
  assert.ok(tokens !== undefined && active !== undefined, "engine metrics missing from /metrics");
  return {
    tokens, active, rss: readMetric(text, "process_resident_memory_bytes") ?? NaN,
    steps: readMetric(text, "weir_scheduler_steps_total") ?? NaN, running: readMetric(text, "weir_scheduler_running_sequences") ?? NaN,
  };
}

/**
 * Scrape until no generation is running (bounded: `timeoutMs`, polling every 10 ms); returns
 * that sample.
 */
export async function untilIdle(httpUrl: string, timeoutMs = 5000): Promise<EngineSample> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await sample(httpUrl);
    if (s.active === 0) return s;
    if (Date.now() > end) assert.fail(`${s.active} generation(s) still running ${timeoutMs} ms later`);
    await delay(10);
  }
}

/** Scrape until at least one generation runs (bounded). */
export async function untilActive(httpUrl: string, timeoutMs = 5000): Promise<EngineSample> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await sample(httpUrl);
    if (s.active > 0) return s;
    if (Date.now() > end) assert.fail(`no generation started within ${timeoutMs} ms`);
    await delay(10);
  }
}

/**
 * The proof that a closed client's sequence left the continuous batch within one step: from the
 * scrape right after the close (`atClose`) to the first scrape with no sequence running, the
 * scheduler ran at most one step (the one in progress when the cancel arrived).
 */
export async function assertLeftWithinOneStep(httpUrl: string, atClose: EngineSample, what: string): Promise<void> {
  const idle = await untilIdle(httpUrl);
  assert.equal(idle.running, 0, `${what}: the scheduler still runs ${idle.running} sequence(s)`);
  assert.ok(idle.steps - atClose.steps <= 1, `${what}: the scheduler ran ${idle.steps - atClose.steps} steps after the client closed`);
}

/**
 * The proof that closing a connection stopped the engine: `atClose` is the counter scraped right
 * after the client closed; once no generation runs, the counter may have grown by at most one
 * token (the one in progress when the cancel arrived). With a paced engine (tens of ms per
 * token) the cancel reaches the engine well within a token, so anything more means it did not.
 */
export async function assertStoppedWithinOneToken(httpUrl: string, atClose: EngineSample, what: string): Promise<EngineSample> {
  const idle = await untilIdle(httpUrl);
  const extra = idle.tokens - atClose.tokens;
  assert.ok(extra <= 1, `${what}: the engine made ${extra} tokens after the client closed`);
  return idle;
}
