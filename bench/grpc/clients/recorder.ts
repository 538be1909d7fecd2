import { Samples, mean, percentile, round } from "../../lib/stats.js";

/** What a client child reports on stdout. */
export interface ClientFigures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  calls: number;
  errors: number;
  seconds: number;
  /** The client process's CPU time (user + system) per measured call, in µs. */
  cpu_us_per_call: number;
}

/**
 * Counts calls and their latencies during the measured window. `stopAt` is when workers stop
 * issuing calls; calls issued before `measureFrom` (the warm-up) are not recorded.
 */
export class Recorder {
  readonly measureFrom: number;
  readonly stopAt: number;
  private readonly samples = new Samples(1 << 18);
  private errors = 0;
  private firstError: unknown;
  private lastEnd = 0;
  private cpuFrom: NodeJS.CpuUsage | undefined;
  private cpuUsed = 0;

  constructor(warmupMs: number, durationMs: number) {
    this.measureFrom = performance.now() + warmupMs;
    this.stopAt = this.measureFrom + durationMs;
    if (warmupMs === 0) this.cpuFrom = process.cpuUsage();
    else setTimeout(() => { this.cpuFrom = process.cpuUsage(); }, warmupMs).unref();
  }

  /** Call once the measured calls have ended: closes the CPU-time window opened when the warm-up ended. */
  stop(): void {
    const used = process.cpuUsage(this.cpuFrom);
    this.cpuUsed = used.user + used.system;
  }

  /** Record a call that started at `startedAt` and ended now; `ok` false counts an error. */
  done(startedAt: number, ok: boolean, error?: unknown): void {
    if (!ok) {
      this.errors++;
      this.firstError ??= error;
    }
    if (startedAt < this.measureFrom) return;
    const now = performance.now();
    this.lastEnd = now;
    if (ok) this.samples.push(now - startedAt);
  }

  /** Latency of each measured successful call, in ms. */
  latencies(): Float64Array {
    return this.samples.view();
  }

  figures(): ClientFigures {
    if (this.errors > 0 && this.samples.length === 0) {
      throw new Error(`every call failed: ${this.firstError instanceof Error ? this.firstError.message : String(this.firstError)}`);
    }
    const sorted = this.samples.sorted();
    const seconds = (Math.max(this.lastEnd, this.measureFrom) - this.measureFrom) / 1000;
    return {
      rps: round(sorted.length / seconds),
      p50_ms: round(percentile(sorted, 50), 3),
      p99_ms: round(percentile(sorted, 99), 3),
      mean_ms: round(mean(sorted), 3),
      calls: sorted.length,
      errors: this.errors,
      seconds: round(seconds, 3),
      cpu_us_per_call: sorted.length === 0 ? 0 : round(this.cpuUsed / sorted.length, 3),
    };
  }
}
