import type { ModelInfo } from "./engine.js";
import type { RequestLimits, ResolvedEngineRequest } from "./request.js";
import type { Rng } from "./builtin/rng.js";

/** How a sequence picks its next token: its own parameters and its own random stream (seeded per request). */
export interface SamplingParams {
  readonly temperature: number;
  readonly topP: number;
  readonly rng: Rng;
}

/**
 * One sequence's part of a model step: the tokens fed this step (a chunk of the prompt, or the
 * last token sampled) and, when the step must produce its next token, how to sample it
 * (undefined for a prompt chunk that is not the last).
 */
export interface StepRow<S> {
  state: S;
  input: readonly number[];
  sampling: SamplingParams | undefined;
}

/** A prompt ready to run: its token ids (at least one) and the texts that end the generation. */
export interface PreparedPrompt {
  readonly tokens: readonly number[];
  readonly stops: readonly string[];
  /**
   * Most tokens the model can generate after this prompt (what its context leaves); a request
   * asking more ends with `length` there. Default: no limit besides the request's.
   */
  readonly maxTokens?: number;
}

/** Token ids to text as they come, holding back bytes of a character split across tokens. */
export interface TokenTextDecoder {
  push(token: number): string;
  flush(): string;
}

/**
 * What an engine exposes to the continuous-batching scheduler: one model step over many
 * sequences at once, each with its own state (an n-gram context, a KV cache). The scheduler owns
 * who runs when; the model owns the arithmetic and the sampling.
 */
export interface SteppedModel<S> {
  info(): ModelInfo;
  /** The end-of-text token: sampling it ends a sequence with `stop`. */
  readonly endOfText: number;
  /** Request limits checked before a sequence is queued. */
  readonly limits: RequestLimits;
  /** Render and tokenize a request (its chat template, its stops); INVALID_ARGUMENT past the context. */
  prepare(req: ResolvedEngineRequest, signal: AbortSignal | undefined): Promise<PreparedPrompt>;
  /** A new sequence's state (empty context). */
  createState(): S;
  /** Feed every row's input and sample a next token for each row with `sampling` (-1 for the others). */
  step(rows: readonly StepRow<S>[]): Promise<ArrayLike<number>> | ArrayLike<number>;
  /** Free a state (a finished, cancelled, or preempted-for-recompute sequence). */
  release(state: S): void;
  decoder(): TokenTextDecoder;
  tokenize(text: string): number[];
  detokenize(tokens: readonly number[]): string;
  countTokens(text: string): number;
}
