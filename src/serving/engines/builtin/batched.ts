// The n-gram model's batched step: each sequence's state is its last two tokens, so a step over
// any number of sequences is one table lookup and one sample each.
import type { ModelInfo } from "../engine.js";
import type { RequestLimits, ResolvedEngineRequest } from "../request.js";
import type { SteppedModel, PreparedPrompt, StepRow } from "../stepped.js";
import { sample, type NgramModel } from "./ngram.js";
import type { Tokenizer } from "./tokenizer.js";

/** The context of one sequence: its last two tokens (end-of-text before the first). */
export interface NgramState {
  a: number;
  b: number;
}

export interface NgramParts {
  readonly model: NgramModel;
  readonly textOf: ReadonlyMap<number, string>;
  readonly tokenizer: Tokenizer;
  readonly limits: RequestLimits;
  readonly info: ModelInfo;
  readonly ignoreEndOfText: boolean;
  prepare(req: ResolvedEngineRequest, signal: AbortSignal | undefined): Promise<PreparedPrompt>;
}

export function createNgramSteppedModel(p: NgramParts): SteppedModel<NgramState> {
  const eot = p.tokenizer.endOfText;
  let next = new Int32Array(64);
  return {
    info: () => p.info,
    endOfText: eot,
    limits: p.limits,
    prepare: p.prepare,
    createState: () => ({ a: eot, b: eot }),
    release: () => {},
    step(rows: readonly StepRow<NgramState>[]): Int32Array {
      if (next.length < rows.length) next = new Int32Array(rows.length * 2);
      for (let i = 0; i < rows.length; i++) {
        const { state, input, sampling } = rows[i]!;
        for (let j = 0; j < input.length; j++) {
          state.a = state.b;
          state.b = input[j]!;
        }
        if (sampling === undefined) {
          next[i] = -1;
          continue;
        }
        let token: number;
        for (;;) {
          const d = p.model.next(state.a, state.b);
          token = d.tokens[sample(d, sampling.temperature, sampling.topP, sampling.rng)]!;
          if (token !== eot || !p.ignoreEndOfText) break;
          state.a = state.b = eot; // a new document begins
        }
        next[i] = token;
      }
      return next;
    },
    decoder: () => ({ push: (t: number) => p.textOf.get(t)!, flush: () => "" }),
    tokenize: (text) => p.tokenizer.encode(text),
    detokenize: (tokens) => p.tokenizer.decode(tokens),
    countTokens: (text) => p.tokenizer.count(text),
  };
}
