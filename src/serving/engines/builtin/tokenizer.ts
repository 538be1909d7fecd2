import { setImmediate as nextTurn } from "node:timers/promises";
import * as cl100k from "gpt-tokenizer/encoding/cl100k_base";
import { abortReason } from "../../../core/index.js";
import { SLICE_CHARS, textSegments } from "./segments.js";

/** Options of {@link Tokenizer.encodeInSlices}. */
export interface SlicedEncodeOptions {
  /** Stop once the text has more tokens than this; the result then holds `maxTokens + 1` or more. Default: no limit. */
  readonly maxTokens?: number;
  /** Aborting stops the work between two slices; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** A BPE tokenizer: text to token ids and back, in time linear in the text's length. */
export interface Tokenizer {
  /** Encoding name, e.g. `cl100k_base`. */
  readonly name: string;
  /** The end-of-text token id. */
  readonly endOfText: number;
  encode(text: string): number[];
  /**
   * The tokens of `encode`, made a slice of about 4096 characters at a time with a turn of the
   * event loop between slices, so that a long text never holds up other requests for long.
   */
  encodeInSlices(text: string, options?: SlicedEncodeOptions): Promise<number[]>;
  decode(tokens: readonly number[]): string;
  count(text: string): number;
}

const PLAIN = { disallowedSpecial: new Set<string>() }; // user text never turns into special tokens

function encode(text: string): number[] {
  let out: number[] | undefined;
  for (const segment of textSegments(text)) {
    const tokens = cl100k.encode(segment, PLAIN);
    if (out === undefined) out = tokens;
    else for (const t of tokens) out.push(t);
  }
  return out ?? [];
}

async function encodeInSlices(text: string, o: SlicedEncodeOptions = {}): Promise<number[]> {
  const max = o.maxTokens ?? Infinity;
  const out: number[] = [];
  let sinceTurn = 0;
  for (const segment of textSegments(text)) {
    if (sinceTurn >= SLICE_CHARS) {
      sinceTurn = 0;
      await nextTurn();
      if (o.signal?.aborted) throw abortReason(o.signal);
    }
    for (const t of cl100k.encode(segment, PLAIN)) out.push(t);
    if (out.length > max) break;
    sinceTurn += segment.length;
  }
  return out;
}

function count(text: string): number {
  let n = 0;
  for (const segment of textSegments(text)) n += cl100k.countTokens(segment, PLAIN);
  return n;
}

/**
 * The cl100k_base BPE (GPT-3.5/GPT-4), from gpt-tokenizer, which ships its vocabulary: no
 * download. Special-token text in the input (`<|endoftext|>`) is encoded as ordinary text. Runs
 * of more than 64 letters, spaces or symbols are cut into pieces of 64 before BPE (see
 * segments.ts), which keeps the cost linear; other text gets exactly cl100k's tokens.
 */
export const cl100kTokenizer: Tokenizer = Object.freeze({
  name: "cl100k_base",
  endOfText: cl100k.encode(cl100k.EndOfText, { allowedSpecial: new Set([cl100k.EndOfText]) })[0]!,
  encode,
  encodeInSlices,
  decode: (tokens: readonly number[]) => cl100k.decode(tokens as number[]),
  count,
});
