import * as cl100k from "gpt-tokenizer/encoding/cl100k_base";

/** A BPE tokenizer: text to token ids and back. */
export interface Tokenizer {
  /** Encoding name, e.g. `cl100k_base`. */
  readonly name: string;
  /** The end-of-text token id. */
  readonly endOfText: number;
  encode(text: string): number[];
  decode(tokens: readonly number[]): string;
  count(text: string): number;
}

const PLAIN = { disallowedSpecial: new Set<string>() }; // user text never turns into special tokens

/**
 * The cl100k_base BPE (GPT-3.5/GPT-4), from gpt-tokenizer, which ships its vocabulary: no
 * download. Special-token text in the input (`<|endoftext|>`) is encoded as ordinary text.
 */
export const cl100kTokenizer: Tokenizer = Object.freeze({
  name: "cl100k_base",
  endOfText: cl100k.encode(cl100k.EndOfText, { allowedSpecial: new Set([cl100k.EndOfText]) })[0]!,
  encode: (text: string) => cl100k.encode(text, PLAIN),
  decode: (tokens: readonly number[]) => cl100k.decode(tokens as number[]),
  count: (text: string) => cl100k.countTokens(text, PLAIN),
});
