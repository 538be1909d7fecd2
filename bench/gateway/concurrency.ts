/**
 * Many SSE streams at once through the gateway, each paced by the engine (e.g. 1,000 at 20
 * tokens/s): the gap between consecutive tokens as the client sees them, against the engine's
 * interval. `inter_token_delay` = gap - interval (how much later a token came than the pace says).
 * Streams start spread over `rampMs` (users arrive over time; all streams starting in the same
 * millisecond would make every stream's tokens fall due together, a worst case).
 */
import { percentile, round, Samples } from "../lib/stats.js";
import { rawSseRequest } from "./clients.js";

export interface ConcurrencyConfig {
  readonly streams: number;
  /** Tokens per stream. */
  readonly tokens: number;
  /** The engine's pace (tokens/s per stream); the model server must run at it. */
  readonly tokensPerSecond: number;
  /** Streams start evenly spread over this many ms (as users arrive), then all run together. Default 0. */
  readonly rampMs?: number;
}

export interface ConcurrencyFigures {
  streams: number;
  ramp_ms: number;
  tokens_per_stream: number;
  tokens_per_s_total: number;
  inter_token_gap_p50_ms: number;
  inter_token_gap_p99_ms: number;
  inter_token_gap_max_ms: number;
  /** p99 of (gap - interval): the target is < 50 ms. */
  p99_inter_token_delay_ms: number;
  seconds: number;
  failed_streams: number;
}

export async function measureConcurrency(gatewayPort: number, cfg: ConcurrencyConfig): Promise<ConcurrencyFigures> {
  const interval = 1000 / cfg.tokensPerSecond;
  const gaps = new Samples(cfg.streams * cfg.tokens);
  let failed = 0;
  const start = performance.now();
  const one = async (): Promise<void> => {
    const times: number[] = [];
    const r = await rawSseRequest(gatewayPort, `/api/generate?prompt=The%20river&max_tokens=${cfg.tokens}&temperature=0`, cfg.tokens + 2, (t) => times.push(t));
    // tokens, then the last chunk (finish reason, usage) and `done`: time the tokens only
    if (r.status !== 200 || times.length < cfg.tokens + 1) {
      failed++;
      return;
    }
    for (let k = 1; k < cfg.tokens; k++) gaps.push(times[k]! - times[k - 1]!);
  };
  const ramp = cfg.rampMs ?? 0;
  const launch = (i: number) => new Promise<void>((resolve) => setTimeout(resolve, (i * ramp) / cfg.streams)).then(one);
  await Promise.all(Array.from({ length: cfg.streams }, (_, i) => launch(i).catch(() => { failed++; })));
  const seconds = (performance.now() - start) / 1000;
  const sorted = gaps.sorted();
  const p99 = percentile(sorted, 99);
  return {
    streams: cfg.streams,
    ramp_ms: cfg.rampMs ?? 0,
    tokens_per_stream: cfg.tokens,
    tokens_per_s_total: round((cfg.streams - failed) * cfg.tokens / seconds),
    inter_token_gap_p50_ms: round(percentile(sorted, 50), 3),
    inter_token_gap_p99_ms: round(p99, 3),
    inter_token_gap_max_ms: round(sorted[sorted.length - 1] ?? NaN, 3),
    p99_inter_token_delay_ms: round(Math.max(0, p99 - interval), 3),
    seconds: round(seconds, 3),
    failed_streams: failed,
  };
}
