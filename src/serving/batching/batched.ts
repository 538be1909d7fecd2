import type { Tensor } from "../tensor.js";
import type { InferContext, Model } from "../model.js";

/** What a batcher has done and holds. */
export interface BatcherStats {
  /** Requests waiting now, and their input bytes. */
  readonly queued: number;
  readonly queuedBytes: number;
  /** Batches running now. */
  readonly running: number;
  /** Batches run so far, the requests and the rows they held. */
  readonly batches: number;
  readonly requests: number;
  readonly rows: number;
}

/** A model served through a dynamic batcher. */
export interface BatchedModel extends Model {
  /** The model it batches for. */
  readonly inner: Model;
  /** Queue the request; resolves with its own rows of the batch's outputs. */
  infer(inputs: readonly Tensor[], ctx: InferContext): Promise<readonly Tensor[]>;
  stats(): BatcherStats;
  /**
   * Stop taking requests and finish the queued ones: new requests get UNAVAILABLE at once; queued
   * ones still run (without waiting for more) for `drainTimeoutMs`; past it the rest get
   * UNAVAILABLE and running batches are aborted. The inner model stays open.
   */
  drain(): Promise<void>;
  /** `drain()`, then close the inner model. */
  close(): Promise<void>;
}

/** Marks a model served through a batcher. */
export const BATCHED = Symbol("weir.batched");

/** Whether `m` is already served through a batcher. */
export function isBatched(m: Model): m is BatchedModel {
  return (m as unknown as Record<symbol, unknown>)[BATCHED] === true;
}

