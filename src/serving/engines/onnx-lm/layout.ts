import { readFile } from "node:fs/promises";
import path from "node:path";
import { Code, RpcError } from "../../../core/index.js";
import type { OrtSession, OrtValueMetadata } from "../onnx/runtime.js";
import type { KvShape } from "./kv.js";
import type { LmTokenizer } from "./tokenizer.js";

/** What a model folder says about its decoder: from config.json and the ONNX file's inputs. */
export interface DecoderLayout extends KvShape {
  readonly vocab: number;
  readonly endOfText: number;
}

interface HfConfig {
  n_positions?: number; max_position_embeddings?: number; n_ctx?: number;
  n_head?: number; num_attention_heads?: number; num_key_value_heads?: number; n_embd?: number; hidden_size?: number;
  vocab_size?: number; eos_token_id?: number | number[];
}

/** `dir/config.json` (Hugging Face's field names); NOT_FOUND or INVALID_ARGUMENT naming the file. */
export async function readConfig(dir: string): Promise<{ file: string; config: HfConfig }> {
  const file = path.join(dir, "config.json");
  const text = await readFile(file, "utf8").catch((e: unknown) => {
    throw new RpcError(Code.NotFound, `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  });
  try {
    return { file, config: JSON.parse(text) as HfConfig };
  } catch (e) {
    throw new RpcError(Code.InvalidArgument, `${file} is not JSON: ${(e as Error).message}`, { cause: e });
  }
}

const FIXED_INPUTS = ["input_ids", "attention_mask", "position_ids"];

/**
 * Check that the ONNX session is a decoder in the Optimum layout and that the tokenizer fits it,
 * and read its geometry. INVALID_ARGUMENT naming the file and what is missing or does not match.
 */
export function readLayout(onnxFile: string, session: OrtSession, cfg: { file: string; config: HfConfig }, tok: LmTokenizer): DecoderLayout {
  const bad = (m: string) => new RpcError(Code.InvalidArgument, m);
  const inputs = new Set(session.inputNames);
  for (const name of FIXED_INPUTS) if (!inputs.has(name)) throw bad(`${onnxFile} has no input ${name} (it has ${session.inputNames.join(", ")}): a decoder in Hugging Face Optimum's layout takes input_ids, attention_mask, position_ids and past_key_values.N.key/value`);
  let layers = 0;
  while (inputs.has(`past_key_values.${layers}.key`)) layers++;
  if (layers === 0) throw bad(`${onnxFile} has no input past_key_values.0.key: a decoder with a KV cache is needed (exported "with past")`);
  for (let l = 0; l < layers; l++) {
    for (const n of [`past_key_values.${l}.value`]) if (!inputs.has(n)) throw bad(`${onnxFile} has no input ${n}`);
    for (const n of [`present.${l}.key`, `present.${l}.value`]) if (!session.outputNames.includes(n)) throw bad(`${onnxFile} has no output ${n}`);
  }
  if (!session.outputNames.includes("logits")) throw bad(`${onnxFile} has no output logits`);
  const c = cfg.config;
  const past = session.inputMetadata?.find((m) => m.name === "past_key_values.0.key");
  const queryHeads = c.n_head ?? c.num_attention_heads;
  const heads = fixedDim(past, 1) ?? c.num_key_value_heads ?? queryHeads; // key/value heads: fewer than the query heads with grouped-query attention
  const embed = c.n_embd ?? c.hidden_size;
  const headDim = fixedDim(past, 3) ?? (queryHeads !== undefined && embed !== undefined ? embed / queryHeads : undefined);
  const context = c.n_positions ?? c.max_position_embeddings ?? c.n_ctx;
  if (!isCount(heads) || !isCount(headDim)) throw bad(`neither ${onnxFile}'s past_key_values.0.key nor ${cfg.file} gives the number of heads and their size`);
  if (!isCount(context)) throw bad(`${cfg.file} gives no context length (n_positions or max_position_embeddings)`);
  const vocab = fixedDim(session.outputMetadata?.find((m) => m.name === "logits"), 2) ?? c.vocab_size;
  if (!isCount(vocab)) throw bad(`neither ${onnxFile}'s logits nor ${cfg.file} (vocab_size) gives the vocabulary size`);
  if (tok.vocabSize > vocab) throw bad(`${tok.file} does not match the model: it has ${tok.vocabSize} tokens, the model's vocabulary ${vocab}`);
  const eos = Array.isArray(c.eos_token_id) ? c.eos_token_id[0] : c.eos_token_id;
  const endOfText = eos ?? tok.idOf("<|endoftext|>") ?? tok.idOf("</s>");
  if (endOfText === undefined || !(endOfText >= 0 && endOfText < vocab)) throw bad(`${cfg.file} has no eos_token_id within the vocabulary, and ${tok.file} no <|endoftext|> or </s>`);
  return { layers, heads, headDim, context, vocab, endOfText };
}

function fixedDim(m: OrtValueMetadata | undefined, i: number): number | undefined {
  const d = m?.shape?.[i];
  return typeof d === "number" && d > 0 ? d : undefined;
}

function isCount(n: number | undefined): n is number {
  return n !== undefined && Number.isInteger(n) && n > 0;
}
