/** `grpc-timeout`: at most 8 digits and a unit (H, M, S, m, u, n). */
const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** Milliseconds in a grpc-timeout value, or undefined when it is malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const digits = value.length - 1; // every call carries one: a loop, not a regular expression and its match array
  if (digits < 1 || digits > 8) return undefined;
  const unit = UNIT_MS[value[digits]!];
  if (unit === undefined) return undefined;
  let n = 0;
  for (let i = 0; i < digits; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n * unit;
}

/**
 * The whole milliseconds `formatGrpcTimeout(ms)` writes (unit `m`), or undefined when it uses another
 * unit: equal results mean equal header values, so callers can key caches on a number.
 */
export function grpcTimeoutWholeMs(ms: number): number | undefined {
  if (!(ms >= 1)) return undefined;
  const whole = Math.ceil(ms);
  return whole < 1e8 ? whole : undefined;
}

/** The shortest exact-enough grpc-timeout for a number of ms (rounded up, never 0 for a live deadline). */
export function formatGrpcTimeout(ms: number): string {
  if (ms <= 0) return "1n";
  if (ms < 1) return `${Math.ceil(ms * 1e6)}n`;
  const whole = grpcTimeoutWholeMs(ms);
  if (whole !== undefined) return `${whole}m`;
  const s = Math.ceil(ms / 1000);
  if (s < 1e8) return `${s}S`;
  return `${Math.min(99_999_999, Math.ceil(ms / 3_600_000))}H`;
}
