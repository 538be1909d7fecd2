import { Code, RpcError } from "../../../core/index.js";
import { NO_TOKEN, type ChatMessage, type Engine, type EngineRequest, type EngineStep, type GenerateOptions, type ModelInfo } from "../engine.js";
import { resolveEngineRequest, type RequestLimits, type ResolvedEngineRequest } from "../request.js";
import { EngineStats } from "../stats.js";
import { StopMatcher } from "../stop.js";
import { readCorpusDir, shippedCorpusDir, splitDocuments } from "./corpus.js";
import { NgramModel, sample } from "./ngram.js";
import { Pacer } from "./pace.js";
import type { SteppedModel } from "../stepped.js";
import { createNgramSteppedModel, type NgramState } from "./batched.js";
import { createRng } from "./rng.js";
import { cl100kTokenizer, type Tokenizer } from "./tokenizer.js";

/** Options of {@link createBuiltinEngine}. */
export interface BuiltinEngineOptions {
  /** Model id. Default `weir-ngram`. */
  id?: string;
  /** Training texts; default: the `*.txt` files of `corpusDir`. */
  corpus?: readonly string[];
  /** Folder of `*.txt` training files. Default: the corpus shipped with the package. */
  corpusDir?: string;
  /** Throttle: tokens per second per generation; 0 = as fast as the CPU allows. Default 0. */
  tokensPerSecond?: number;
  /** Counters to update (share one between engines to sum them). Default: a new EngineStats. */
  stats?: EngineStats;
  /**
   * Request limits and defaults. `maxPromptChars` defaults to `contextLength` ×
   * {@link PROMPT_CHARS_PER_TOKEN}: a longer prompt is refused before any tokenizing.
   */
  limits?: RequestLimits;
  /** Context length reported, and the most prompt tokens accepted. Default 8192. */
  contextLength?: number;
  /** A trigram context seen fewer times backs off to the bigram. Default 1. */
  minTrigramCount?: number;
  /**
   * Keep generating past the end-of-text token (a new document begins) until `maxTokens` or a
   * stop text, as vLLM's `ignore_eos`: for load tests and benchmarks that need generations of a
   * known length. Default false.
   */
  ignoreEndOfText?: boolean;
}

/**
 * Characters per token of context allowed in a prompt before it is refused unread. English
 * averages about 4 characters per cl100k token and code about 3, so a prompt past 8 per token
 * would not fit the context anyway; refusing it on its length spares the tokenizer's time.
 */
export const PROMPT_CHARS_PER_TOKEN = 8;

/** Texts of chat requests end where the next user turn would begin. */
const CHAT_STOPS = ["\nUser:"];

/**
 * The built-in engine: an n-gram (trigram with backoff) language model over cl100k_base BPE
 * tokens, counted at startup from the small English corpus shipped with the package. It writes
 * plausible-looking English, fast, on any CPU, offline; it is not a real LLM (see docs/engine.md).
 *
 * @example
 * const engine = await createBuiltinEngine({ tokensPerSecond: 20 });
 * for await (const step of engine.generate({ prompt: "The river", maxTokens: 30, seed: 1 })) process.stdout.write(step.text);
 */
export async function createBuiltinEngine(options: BuiltinEngineOptions = {}): Promise<Engine> {
  const texts = options.corpus ?? (await readCorpusDir(options.corpusDir ?? shippedCorpusDir()));
  return new BuiltinEngine(texts, options);
}

/**
 * The built-in model as a batched model, for the continuous-batching scheduler: the same n-gram,
 * tokenizer and limits as {@link createBuiltinEngine} (`tokensPerSecond` is ignored: pace the
 * scheduler's steps instead), one step advancing every sequence by a token.
 *
 * @example
 * const engine = createScheduledEngine(await createBuiltinSteppedModel(), { maxNumSeqs: 64, stepsPerSecond: 25 });
 */
export async function createBuiltinSteppedModel(options: BuiltinEngineOptions = {}): Promise<SteppedModel<NgramState>> {
  const texts = options.corpus ?? (await readCorpusDir(options.corpusDir ?? shippedCorpusDir()));
  const engine = new BuiltinEngine(texts, options);
  return createNgramSteppedModel({
    model: engine.model, textOf: engine.textOf, tokenizer: engine.tokenizer, limits: engine.limits, info: engine.info(),
    ignoreEndOfText: options.ignoreEndOfText === true,
    prepare: async (req, signal) => {
      const chat = req.messages.length > 0;
      const tokens = await engine.promptTokens(chat ? renderChat(req.messages) : req.prompt, signal);
      if (tokens === undefined) throw new RpcError(Code.Canceled, "cancelled while tokenizing the prompt");
      return { tokens: tokens.length === 0 ? [engine.tokenizer.endOfText] : tokens, stops: chat ? [...req.stop, ...CHAT_STOPS] : req.stop };
    },
  });
}

class BuiltinEngine implements Engine {
  readonly stats: EngineStats;
  readonly tokenizer: Tokenizer = cl100kTokenizer;
  readonly model: NgramModel;
  readonly textOf = new Map<number, string>();
  private readonly modelInfo: ModelInfo;
  private readonly tokensPerSecond: number;
  readonly limits: RequestLimits;

  constructor(texts: readonly string[], private readonly options: BuiltinEngineOptions) {
    this.stats = options.stats ?? new EngineStats();
    this.tokensPerSecond = options.tokensPerSecond ?? 0;
    const contextLength = options.contextLength ?? 8192;
    if (!Number.isInteger(contextLength) || contextLength < 1) throw new RpcError(Code.InvalidArgument, `contextLength must be a positive integer, got ${contextLength}`);
    this.limits = { ...options.limits, maxPromptChars: options.limits?.maxPromptChars ?? contextLength * PROMPT_CHARS_PER_TOKEN };
    if (!(this.tokensPerSecond >= 0)) throw new RpcError(Code.InvalidArgument, `tokensPerSecond must be >= 0, got ${this.tokensPerSecond}`);
    const docs = splitDocuments(texts).map((d) => this.tokenizer.encode(d));
    if (docs.length === 0) throw new RpcError(Code.FailedPrecondition, "the built-in engine's corpus is empty");
    const eot = this.tokenizer.endOfText;
    this.model = NgramModel.build(docs, eot, { minTrigramCount: options.minTrigramCount });
    for (const t of this.model.vocabulary) {
      if (t === eot) continue;
      const text = this.tokenizer.decode([t]);
      if (text.includes("\uFFFD")) throw new RpcError(Code.FailedPrecondition, `corpus token ${t} is not whole characters; keep the corpus ASCII`);
      this.textOf.set(t, text);
    }
    this.modelInfo = Object.freeze({
      id: options.id ?? "weir-ngram",
      ownedBy: "weir",
      created: Math.floor(Date.now() / 1000),
      contextLength,
      description: `trigram model with backoff over ${this.tokenizer.name} tokens, ${this.model.size} training tokens, ${docs.length} documents`,
    });
  }

  info(): ModelInfo {
    return this.modelInfo;
  }

  tokenize(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  detokenize(tokens: readonly number[]): string {
    return this.tokenizer.decode(tokens);
  }

  countTokens(text: string): number {
    return this.tokenizer.count(text);
  }

  generate(request: EngineRequest, options: GenerateOptions = {}): AsyncIterable<EngineStep> {
    const req = resolveEngineRequest(request, this.limits); // bad input, an over-long prompt too, fails here
    const chat = req.messages.length > 0;
    return this.run(req, chat ? renderChat(req.messages) : req.prompt, chat ? [...req.stop, ...CHAT_STOPS] : req.stop, options.signal);
  }

  /**
   * The prompt's tokens, a slice at a time (see Tokenizer.encodeInSlices); undefined when the
   * signal aborted meanwhile; INVALID_ARGUMENT past the context length.
   */
  async promptTokens(text: string, signal: AbortSignal | undefined): Promise<number[] | undefined> {
    const max = this.modelInfo.contextLength;
    try {
      const tokens = await this.tokenizer.encodeInSlices(text, { maxTokens: max, signal });
      if (tokens.length > max) throw new RpcError(Code.InvalidArgument, `prompt is longer than the context length of ${max} tokens`);
      return tokens;
    } catch (e) {
      if (signal?.aborted) return undefined;
      throw e;
    }
  }

  private async *run(req: ResolvedEngineRequest, text: string, stops: readonly string[], signal: AbortSignal | undefined): AsyncGenerator<EngineStep> {
    const prompt = await this.promptTokens(text, signal); // the first step waits for it: no step before the prompt is checked
    if (prompt === undefined) return yield { tokenId: NO_TOKEN, text: "", finishReason: "cancelled", usage: { promptTokens: 0, completionTokens: 0 } };
    const eot = this.tokenizer.endOfText;
    const stats = this.stats;
    const rng = createRng(req.seed);
    const matcher = new StopMatcher(stops);
    const pacer = new Pacer(this.tokensPerSecond);
    let a = prompt.length >= 2 ? prompt[prompt.length - 2]! : eot;
    let b = prompt.length >= 1 ? prompt[prompt.length - 1]! : eot;
    let n = 0;
    const usage = () => ({ promptTokens: prompt.length, completionTokens: n });
    stats.activeSequences++;
    stats.sequencesStarted++;
    try {
      for (;;) {
        if (n >= req.maxTokens) return yield { tokenId: NO_TOKEN, text: matcher.flush(), finishReason: "length", usage: usage() };
        if (!(await pacer.wait(n, signal)) || signal?.aborted) {
          return yield { tokenId: NO_TOKEN, text: "", finishReason: "cancelled", usage: usage() };
        }
        const d = this.model.next(a, b);
        const token = d.tokens[sample(d, req.temperature, req.topP, rng)]!;
        if (token === eot) {
          if (!this.options.ignoreEndOfText) return yield { tokenId: NO_TOKEN, text: matcher.flush(), finishReason: "stop", usage: usage() };
          a = b = eot;
          continue;
        }
        n++;
        stats.generatedTokens++;
        a = b;
        b = token;
        const out = matcher.push(this.textOf.get(token)!);
        if (out.stopped) return yield { tokenId: token, text: out.text, finishReason: "stop", usage: usage() };
        yield { tokenId: token, text: out.text };
      }
    } finally {
      stats.activeSequences--;
    }
  }
}

/** `User: hi\nAssistant:`, the shape of the chat documents in the corpus. */
export function renderChat(messages: readonly ChatMessage[]): string {
  let out = "";
  for (const m of messages) out += `${label(m.role)}: ${m.content}\n`;
  return out + "Assistant:";
}

function label(role: string): string {
  switch (role) {
    case "assistant": return "Assistant";
    case "system": case "developer": return "System";
    case "tool": return "Tool";
    default: return "User";
  }
}
