import { Code, RpcError, resolveIntegerOptions } from "../../core/index.js";

/** Options of {@link createScheduledEngine}. */
export interface SchedulerOptions {
  /** Sequences in one step at most (vLLM's max_num_seqs). Default 64. */
  maxNumSeqs?: number;
  /**
   * Tokens fed in one step at most (vLLM's max_num_batched_tokens): each running sequence takes
   * one, prompts share the rest in chunks, so a long prompt never stalls the others. Default 2048.
   */
  maxBatchedTokens?: number;
  /** Sequences waiting to start; one more is RESOURCE_EXHAUSTED with a retry hint. Default 1024. */
  maxWaiting?: number;
  /**
   * Steps a sequence may hold unread; past it the sequence is preempted (leaves the batch, keeps
   * its state) until its reader catches up. Default 32.
   */
  maxBufferedSteps?: number;
  /** Preempted sequences that keep their state; older ones free it and recompute on return. Default 256. */
  maxPreemptedWithState?: number;
  /** Pace: steps per second at most (0 = as fast as the model runs); emulates a model's step time. Default 0. */
  stepsPerSecond?: number;
}

/** Defaults of {@link SchedulerOptions}. */
export const SCHEDULER_DEFAULTS = Object.freeze({
  maxNumSeqs: 64,
  maxBatchedTokens: 2048,
  maxWaiting: 1024,
  maxBufferedSteps: 32,
  maxPreemptedWithState: 256,
  stepsPerSecond: 0,
});

export type ResolvedSchedulerOptions = Readonly<Record<keyof typeof SCHEDULER_DEFAULTS, number>>;

/** Fill in defaults and check; INVALID_ARGUMENT naming the first bad option. */
export function resolveSchedulerOptions(o: SchedulerOptions = {}): ResolvedSchedulerOptions {
  const { stepsPerSecond = SCHEDULER_DEFAULTS.stepsPerSecond, ...integers } = o;
  const { stepsPerSecond: _, ...integerDefaults } = SCHEDULER_DEFAULTS;
  const r = {
    ...resolveIntegerOptions("scheduler", integerDefaults, integers, {
      maxNumSeqs: [1, 65_536], maxBatchedTokens: [1, 1 << 24], maxWaiting: [0, 1 << 24], maxBufferedSteps: [1, 1 << 20], maxPreemptedWithState: [0, 1 << 24],
    }),
    stepsPerSecond,
  };
  if (!(stepsPerSecond >= 0 && stepsPerSecond <= 1e6)) throw new RpcError(Code.InvalidArgument, `scheduler option stepsPerSecond must be from 0 to 1000000, got ${stepsPerSecond}`);
  if (r.maxBatchedTokens < r.maxNumSeqs) throw new RpcError(Code.InvalidArgument, `scheduler option maxBatchedTokens (${r.maxBatchedTokens}) must be at least maxNumSeqs (${r.maxNumSeqs}): every running sequence needs a token per step`);
  return Object.freeze(r);
}
