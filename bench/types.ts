/** The shapes every benchmark shares. */

/** Figures for one subject (a server, a client, a codec): metric name -> value. */
export type Figures = Record<string, unknown>;

/** What a benchmark returns; `name`, `results` and `ratios` form the `--json` line. */
export interface BenchResult {
  readonly name: string;
  /** Subject -> figures, e.g. `{ weir: { rps: 1, p99_ms: 2 }, "grpc-js": { … } }`, or a list of rows. */
  readonly results: Readonly<Record<string, unknown>> | readonly unknown[];
  /** Ratio name -> Weir's figure divided by the other's, measured in the same run; null if not measured. */
  readonly ratios: Record<string, number | null>;
  /** Remarks for people (what was skipped and why); written to the result file, not the JSON line. */
  readonly notes?: readonly string[];
  /** Subjects that failed to run; the harness exits non-zero when any did. */
  readonly errors?: readonly string[];
  /** The sizes and durations used, for the result file. */
  readonly config?: Record<string, unknown>;
}

/** Options from the command line, passed to every benchmark. */
export interface BenchContext {
  /** Tiny sizes and durations, for the smoke test: proves the harness works, measures nothing. */
  readonly smoke: boolean;
  /** Override the measured duration in seconds of time-based benchmarks. */
  readonly durationSec: number | undefined;
  /** Folder for CPU profiles of Weir's processes; undefined for none. */
  readonly profileDir: string | undefined;
  /** Progress messages (to stderr). */
  log(message: string): void;
}

export interface Benchmark {
  /** One line for `--list` and the table heading. */
  readonly description: string;
  /** Targets for ratios (minimum values), shown in the table as met or missed. */
  readonly targets?: Readonly<Record<string, number>>;
  run(ctx: BenchContext): Promise<BenchResult>;
}

/** Thrown by a benchmark that cannot run here (a missing piece); the harness reports it as skipped. */
export class BenchSkipped extends Error {
  override name = "BenchSkipped";
}
