import { readFile } from "node:fs/promises";
import path from "node:path";
import { Code, RpcError } from "../../../core/index.js";
import type { TokenTextDecoder } from "../stepped.js";

// The part of @huggingface/tokenizers (>= 0.2) that Weir uses, written out here so that Weir
// compiles where the optional package is not installed.
interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  token_to_id(token: string): number | undefined;
  get_vocab(withAddedTokens?: boolean): Map<string, number>;
}
type HfTokenizerClass = new (tokenizer: object, config: object) => HfTokenizer;

export const TOKENIZERS_INSTALL_HINT = "npm install @huggingface/tokenizers";

/** A model folder's `tokenizer.json`, read with Hugging Face's tokenizers library. */
export interface LmTokenizer {
  /** The file it was read from. */
  readonly file: string;
  /** One more than the largest token id (added tokens included). */
  readonly vocabSize: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** The id of a token written out (`<|endoftext|>`), or undefined. */
  idOf(token: string): number | undefined;
  /** A streaming decoder: text as tokens come, a character split across tokens held back. */
  decoder(): TokenTextDecoder;
}

/**
 * Read `dir/tokenizer.json` (and `tokenizer_config.json` when there is one) with the optional
 * package @huggingface/tokenizers, imported now.
 *
 * Errors: NOT_FOUND (no tokenizer.json), INVALID_ARGUMENT (not JSON, or a tokenizer the library
 * cannot build), FAILED_PRECONDITION (the package is not installed, with how to install it).
 */
export async function loadTokenizer(dir: string): Promise<LmTokenizer> {
  const file = path.join(dir, "tokenizer.json");
  const json = await readJson(file, true);
  const config = (await readJson(path.join(dir, "tokenizer_config.json"), false)) ?? {};
  const Tokenizer = await importTokenizers();
  let tok: HfTokenizer;
  try {
    tok = new Tokenizer(json!, config);
    tok.encode("a");
  } catch (e) {
    throw new RpcError(Code.InvalidArgument, `${file} is not a tokenizer @huggingface/tokenizers can use: ${(e as Error).message}`, { cause: e });
  }
  let vocabSize = 0;
  for (const id of tok.get_vocab(true).values()) vocabSize = Math.max(vocabSize, id + 1);
  return {
    file,
    vocabSize,
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => (ids.length === 0 ? "" : tok.decode([...ids], { skip_special_tokens: true })),
    idOf: (token) => tok.token_to_id(token),
    decoder: () => streamingDecoder((ids) => (ids.length === 0 ? "" : tok.decode(ids, { skip_special_tokens: true }))),
  };
}

async function readJson(file: string, required: boolean): Promise<object | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if (!required && (e as { code?: string }).code === "ENOENT") return undefined;
    throw new RpcError(Code.NotFound, `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not a JSON object");
    return value;
  } catch (e) {
    throw new RpcError(Code.InvalidArgument, `${file} is not a JSON object: ${(e as Error).message}`, { cause: e });
  }
}

async function importTokenizers(): Promise<HfTokenizerClass> {
  let mod: { Tokenizer?: HfTokenizerClass; default?: { Tokenizer?: HfTokenizerClass } };
  try {
    mod = (await import("@huggingface/tokenizers" as string)) as typeof mod;
  } catch (e) {
    const absent = (e as { code?: string }).code === "ERR_MODULE_NOT_FOUND";
    const what = absent ? "is not installed" : `could not be loaded (${e instanceof Error ? e.message : String(e)})`;
    throw new RpcError(Code.FailedPrecondition, `ONNX language models need the optional package @huggingface/tokenizers, which ${what}: ${TOKENIZERS_INSTALL_HINT}`, { cause: e });
  }
  const Tokenizer = mod.Tokenizer ?? mod.default?.Tokenizer;
  if (Tokenizer === undefined) throw new RpcError(Code.FailedPrecondition, `the installed @huggingface/tokenizers has no Tokenizer: ${TOKENIZERS_INSTALL_HINT}`);
  return Tokenizer;
}

/**
 * Incremental detokenization as TGI does it: decode a short window of recent tokens with and
 * without the new one and emit the difference, so that decoders which depend on neighbours
 * (a leading space, bytes of one character spread over tokens) give the same text as a whole decode.
 */
export function streamingDecoder(decode: (ids: number[]) => string): TokenTextDecoder {
  const ids: number[] = [];
  let prefix = 0;
  let read = 0;
  return {
    push(token: number): string {
      ids.push(token);
      const before = decode(ids.slice(prefix, read));
      const after = decode(ids.slice(prefix));
      if (after.length <= before.length || after.endsWith("\uFFFD")) return ""; // wait for the rest of a character
      prefix = read;
      read = ids.length;
      if (prefix > 0) { // keep the window short: drop what no later decode needs
        ids.splice(0, prefix);
        read -= prefix;
        prefix = 0;
      }
      return after.slice(before.length);
    },
    flush(): string {
      const rest = decode(ids.slice(prefix)).slice(decode(ids.slice(prefix, read)).length);
      ids.length = prefix = read = 0;
      return rest;
    },
  };
}
