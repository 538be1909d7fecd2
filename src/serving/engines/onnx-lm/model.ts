import { stat } from "node:fs/promises";
import path from "node:path";
import { Code, RpcError } from "../../../core/index.js";
import type { ModelInfo } from "../engine.js";
import type { RequestLimits, ResolvedEngineRequest } from "../request.js";
import type { PreparedPrompt, StepRow, SteppedModel, TokenTextDecoder } from "../stepped.js";
import { renderChat } from "../builtin/engine.js";
import { loadOnnxRuntime, type OrtModule, type OrtSession, type OrtTensor } from "../onnx/runtime.js";
import { appendPresent, createKvState, gatherPast, kvBytes, type KvState } from "./kv.js";
import { readConfig, readLayout, type DecoderLayout } from "./layout.js";
import { resolveOnnxLmOptions, type OnnxLmOptions } from "./options.js";
import { sampleLogits } from "./sample.js";
import { loadTokenizer, type LmTokenizer } from "./tokenizer.js";

/** A causal language model on ONNX Runtime, stepped by the continuous-batching scheduler. */
export interface OnnxLmModel extends SteppedModel<KvState> {
  /** Sequences that hold a KV cache now, and its bytes. */
  kvUsage(): { states: number; bytes: number };
  /** Free the ONNX Runtime session. */
  close(): Promise<void>;
}

/** Texts of chat requests end where the next user turn would begin. */
const CHAT_STOPS = ["\nUser:"];

/**
 * Load a decoder-only model folder in Hugging Face Optimum's layout: `model.onnx` (inputs
 * input_ids, attention_mask, position_ids, past_key_values.N.key/value; outputs logits,
 * present.N.key/value), `tokenizer.json` (read with @huggingface/tokenizers) and `config.json`
 * (context length, end-of-text token). Each sequence keeps its own KV cache; a step runs the
 * sequences that decode one token in one batch and the prompt chunks in another, padded, with
 * attention masks and position ids. Needs the optional packages onnxruntime-node and
 * @huggingface/tokenizers.
 *
 * Errors at load: NOT_FOUND (a file missing), INVALID_ARGUMENT naming the file (an ONNX file
 * without the expected inputs, a tokenizer that does not fit the model), FAILED_PRECONDITION (a
 * package not installed). At run time a prompt that fills the context is INVALID_ARGUMENT, and a
 * generation ends with `length` when the context is full.
 *
 * @example
 * const engine = createScheduledEngine(await createOnnxLmSteppedModel("models/tiny-gpt"), { maxNumSeqs: 64 });
 * for await (const step of engine.generate({ prompt: "The river", temperature: 0 })) process.stdout.write(step.text);
 */
export async function createOnnxLmSteppedModel(dir: string, options: OnnxLmOptions = {}): Promise<OnnxLmModel> {
  const o = resolveOnnxLmOptions(options);
  const tok = await loadTokenizer(dir);
  const cfg = await readConfig(dir);
  const file = path.join(dir, "model.onnx");
  await stat(file).catch((e: unknown) => {
    throw new RpcError(Code.NotFound, `no ONNX model file at ${file}`, { cause: e });
  });
  const ort = await loadOnnxRuntime();
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: o.intraOpThreads, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all", logSeverityLevel: 4,
    extra: { session: { "intra_op.allow_spinning": "0" } },
  }).catch((e: unknown) => {
    throw new RpcError(Code.InvalidArgument, `ONNX Runtime could not load ${file}: ${(e as Error).message}`, { cause: e });
  });
  try {
    const layout = readLayout(file, session, cfg, tok);
    return new OnnxLm(ort, session, layout, tok, options.id ?? path.basename(path.resolve(dir)), options.limits);
  } catch (e) {
    await session.release();
    throw e;
  }
}

class OnnxLm implements OnnxLmModel {
  readonly endOfText: number;
  readonly limits: RequestLimits;
  private readonly modelInfo: ModelInfo;
  private readonly fetches: readonly string[];
  private readonly live = new Set<KvState>();
  private next = new Int32Array(64);
  /** The past tensors' memory, reused step after step. */
  private readonly pastScratch: Float32Array[] = [];

  constructor(private readonly ort: OrtModule, private readonly session: OrtSession, private readonly layout: DecoderLayout, private readonly tok: LmTokenizer, id: string, limits: RequestLimits | undefined) {
    const { context, layers, heads, headDim, vocab } = layout;
    this.endOfText = layout.endOfText;
    this.limits = { ...limits, maxPromptChars: limits?.maxPromptChars ?? context * 8, maxTokensLimit: limits?.maxTokensLimit ?? context };
    this.fetches = ["logits", ...Array.from({ length: layers }, (_, l) => [`present.${l}.key`, `present.${l}.value`]).flat()];
    this.modelInfo = Object.freeze({
      id, ownedBy: "weir", created: Math.floor(Date.now() / 1000), contextLength: context,
      description: `decoder-only transformer on ONNX Runtime: ${layers} layers, ${heads} key/value heads of ${headDim}, vocabulary ${vocab}, context ${context}`,
    });
  }

  info = (): ModelInfo => this.modelInfo;

  async prepare(req: ResolvedEngineRequest): Promise<PreparedPrompt> {
    const chat = req.messages.length > 0;
    const tokens = this.tok.encode(chat ? renderChat(req.messages) : req.prompt);
    if (tokens.length === 0) tokens.push(this.endOfText);
    const { context } = this.layout;
    if (tokens.length >= context) {
      throw new RpcError(Code.InvalidArgument, `the prompt is ${tokens.length} tokens; ${this.modelInfo.id}'s context is ${context} tokens, the prompt included, with room for at least one generated token`);
    }
    return { tokens, stops: chat ? [...req.stop, ...CHAT_STOPS] : req.stop, maxTokens: context - tokens.length };
  }

  createState(): KvState {
    const s = createKvState();
    this.live.add(s);
    return s;
  }

  release(state: KvState): void {
    this.live.delete(state);
    state.keys.length = state.values.length = state.length = state.capacity = 0;
  }

  kvUsage(): { states: number; bytes: number } {
    let bytes = 0;
    for (const s of this.live) bytes += kvBytes(s);
    return { states: this.live.size, bytes };
  }

  /** Decode rows (one token each) run as one batch, prompt chunks as another: padding a decode row to a chunk's length would waste the work. */
  async step(rows: readonly StepRow<KvState>[]): Promise<Int32Array> {
    if (this.next.length < rows.length) this.next = new Int32Array(rows.length * 2);
    const decode: number[] = [];
    const prefill: number[] = [];
    for (let i = 0; i < rows.length; i++) (rows[i]!.input.length === 1 ? decode : prefill).push(i);
    if (decode.length > 0) await this.run(rows, decode);
    if (prefill.length > 0) await this.run(rows, prefill);
    return this.next;
  }

  private async run(rows: readonly StepRow<KvState>[], which: readonly number[]): Promise<void> {
    const { layers, heads, headDim, vocab } = this.layout;
    const batch = which.length;
    let seq = 0, past = 0;
    for (const i of which) {
      seq = Math.max(seq, rows[i]!.input.length);
      past = Math.max(past, rows[i]!.state.length);
    }
    const feeds = this.tokenFeeds(rows, which, seq, past);
    const pasts = gatherPast(which.map((i) => rows[i]!.state), this.layout, past, this.pastScratch);
    for (let l = 0; l < layers; l++) {
      feeds[`past_key_values.${l}.key`] = new this.ort.Tensor("float32", pasts[2 * l]!, [batch, heads, past, headDim]);
      feeds[`past_key_values.${l}.value`] = new this.ort.Tensor("float32", pasts[2 * l + 1]!, [batch, heads, past, headDim]);
    }
    const out = await this.session.run(feeds, this.fetches);
    const present = this.fetches.slice(1).map((n) => out[n]!.data as Float32Array);
    const logits = out["logits"]!.data as Float32Array;
    for (let b = 0; b < batch; b++) {
      const row = rows[which[b]!]!;
      const n = row.input.length;
      appendPresent(row.state, this.layout, present, b, past + seq, past, n);
      this.next[which[b]!] = row.sampling === undefined ? -1 : sampleLogits(logits, (b * seq + n - 1) * vocab, vocab, row.sampling);
    }
  }

  /** input_ids and position_ids [batch, seq] (padded at the end), attention_mask [batch, past + seq] (each row's past right-aligned). */
  private tokenFeeds(rows: readonly StepRow<KvState>[], which: readonly number[], seq: number, past: number): Record<string, OrtTensor> {
    const batch = which.length, total = past + seq, last = this.layout.context - 1;
    const ids = new BigInt64Array(batch * seq), positions = new BigInt64Array(batch * seq), mask = new BigInt64Array(batch * total);
    for (let b = 0; b < batch; b++) {
      const { input, state } = rows[which[b]!]!;
      for (let j = 0; j < seq; j++) {
        ids[b * seq + j] = BigInt(j < input.length ? input[j]! : 0);
        positions[b * seq + j] = BigInt(Math.min(state.length + j, last));
      }
      mask.fill(1n, b * total + past - state.length, b * total + past + input.length);
    }
    return {
      input_ids: new this.ort.Tensor("int64", ids, [batch, seq]),
      position_ids: new this.ort.Tensor("int64", positions, [batch, seq]),
      attention_mask: new this.ort.Tensor("int64", mask, [batch, total]),
    };
  }

  decoder(): TokenTextDecoder {
    return this.tok.decoder();
  }

  tokenize(text: string): number[] {
    return this.tok.encode(text);
  }

  detokenize(tokens: readonly number[]): string {
    return this.tok.decode(tokens);
  }

  countTokens(text: string): number {
    return this.tok.encode(text).length;
  }

  close(): Promise<void> {
    return this.session.release();
  }
}
