import { Code, RpcError } from "../../core/index.js";
import { cl100kTokenizer, type Tokenizer } from "../engines/builtin/tokenizer.js";
import { tensor } from "../tensor.js";
import { defineModel, type Model } from "../repository/index.js";

/** Options of {@link tokenizerModel}. */
export interface TokenizerModelOptions {
  /** Model name. Default `tokenizer`. */
  name?: string;
  /** Tokens kept per text; longer texts are cut (as a transformer's pre-processing does). Default 512. */
  maxSequenceLength?: number;
  /** Longest text in characters; a longer one is INVALID_ARGUMENT before any tokenizing. Default 65536. */
  maxTextChars?: number;
  /** Token id of the padding. Default 0. */
  padTokenId?: number;
  tokenizer?: Tokenizer;
}

const DEFAULTS = Object.freeze({ name: "tokenizer", maxSequenceLength: 512, maxTextChars: 65_536, padTokenId: 0 });

/**
 * `tokenizer`: TEXT, BYTES [n] (UTF-8 texts) -> `input_ids` and `attention_mask`, INT64 [n, seq],
 * the cl100k BPE tokens of each text padded to the longest (`seq` <= `maxSequenceLength`), the
 * mask 1 for tokens and 0 for padding: the pre-processing step of a transformer, served as a model.
 * Tokenizing takes time linear in the text (see docs/engine.md), a slice at a time.
 *
 * @example
 * // POST /v2/models/tokenizer/infer {"inputs":[{"name":"TEXT","datatype":"BYTES","shape":[1],"data":["Hello world"]}]}
 * // -> input_ids [[9906, 1917]], attention_mask [[1, 1]]
 */
export function tokenizerModel(options: TokenizerModelOptions = {}): Model {
  const o = { ...DEFAULTS, ...options };
  const tokenizer = options.tokenizer ?? cl100kTokenizer;
  if (!Number.isInteger(o.maxSequenceLength) || o.maxSequenceLength < 1) throw new RpcError(Code.InvalidArgument, `maxSequenceLength must be a positive integer, got ${o.maxSequenceLength}`);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return defineModel(
    {
      name: o.name,
      inputs: [{ name: "TEXT", datatype: "BYTES", shape: [-1] }],
      outputs: [{ name: "input_ids", datatype: "INT64", shape: [-1, -1] }, { name: "attention_mask", datatype: "INT64", shape: [-1, -1] }],
    },
    async ([text], ctx) => {
      const items = text!.data as readonly Uint8Array[];
      const rows: number[][] = [];
      for (const bytes of items) {
        let s: string;
        try {
          s = decoder.decode(bytes);
        } catch {
          throw new RpcError(Code.InvalidArgument, "TEXT holds bytes that are not UTF-8");
        }
        if (s.length > o.maxTextChars) throw new RpcError(Code.InvalidArgument, `a text of ${s.length} characters exceeds ${o.maxTextChars}`);
        const ids = await tokenizer.encodeInSlices(s, { maxTokens: o.maxSequenceLength, signal: ctx.signal });
        rows.push(ids.length > o.maxSequenceLength ? ids.slice(0, o.maxSequenceLength) : ids);
      }
      const seq = rows.reduce((m, r) => Math.max(m, r.length), 0);
      const ids = new BigInt64Array(rows.length * seq).fill(BigInt(o.padTokenId));
      const mask = new BigInt64Array(rows.length * seq);
      rows.forEach((r, i) => {
        for (let j = 0; j < r.length; j++) {
          ids[i * seq + j] = BigInt(r[j]!);
          mask[i * seq + j] = 1n;
        }
      });
      return [tensor("input_ids", "INT64", [rows.length, seq], ids), tensor("attention_mask", "INT64", [rows.length, seq], mask)];
    },
  );
}
