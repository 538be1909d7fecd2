import type { Recorder } from "./recorder.js";

/** Settings for one client load run. */
export interface LoadSpec {
  readonly port: number;
  /** Calls in flight at once. */
  readonly concurrency: number;
  /** The request payload; each reply must carry the same number of bytes. */
  readonly payload: Buffer;
}

/** Runs `concurrency` call loops until `rec.stopAt`, reporting each call to `rec`; resolves when all loops end. */
export type RunClientLoad = (spec: LoadSpec, rec: Recorder) => Promise<void>;
