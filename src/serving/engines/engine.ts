import type { EngineStats } from "./stats.js";

/**
 * Why a generation ended: `stop` (end-of-text token or a stop sequence), `length` (max tokens),
 * `cancelled` (the caller's signal aborted).
 */
export type FinishReason = "stop" | "length" | "cancelled";

/** One chat turn. Roles as OpenAI spells them: `system`, `developer`, `user`, `assistant`, `tool`. */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

/** What an engine is asked to generate. Leave a field out for the engine's default. */
export interface EngineRequest {
  /** A plain prompt; ignored when `messages` is non-empty. */
  readonly prompt?: string;
  /** A chat; the engine renders it with its own template. */
  readonly messages?: readonly ChatMessage[];
  /** Most tokens to generate. */
  readonly maxTokens?: number;
  /** 0 = greedy; higher is more random. */
  readonly temperature?: number;
  /** Nucleus sampling: keep the smallest set of likely tokens whose probability reaches this. */
  readonly topP?: number;
  /** Same seed, same request -> same text. Without one, each generation differs. */
  readonly seed?: number | bigint;
  /** Texts that end the generation; the stop text itself is never emitted. */
  readonly stop?: readonly string[];
}

/** Token counts of one generation. */
export interface EngineUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/**
 * One step of a generation. Concatenating every `text` gives the output. A step's `text` may be
 * empty (held back while it could be the start of a stop sequence) or carry text held back
 * before. The last step, and only it, has `finishReason` and `usage`; `tokenId` is -1 on a step
 * that carries no new token (end of text, length reached, cancelled), and on every step of an
 * engine that does not know token ids (an OpenAI-compatible upstream).
 */
export interface EngineStep {
  readonly tokenId: number;
  readonly text: string;
  readonly finishReason?: FinishReason;
  readonly usage?: EngineUsage;
}

/** What an engine says about its model (for ListModels and `/v1/models`). */
export interface ModelInfo {
  readonly id: string;
  readonly ownedBy: string;
  /** Unix seconds. */
  readonly created: number;
  /** Most prompt plus generated tokens. */
  readonly contextLength: number;
  readonly description: string;
}

/** Per-generation options of `Engine.generate`. */
export interface GenerateOptions {
  /** Aborting ends the generation within one token, with a final `cancelled` step. */
  readonly signal?: AbortSignal;
}

/**
 * A text-generation engine: the built-in n-gram engine, and later ONNX Runtime or an
 * OpenAI-compatible upstream. Generation is an async iterable of steps; the caller's signal
 * stops it within one token.
 *
 * Contract: `generate` validates the request before the first step and rejects bad input with
 * RpcError INVALID_ARGUMENT; it never throws for an abort (it ends with `finishReason:
 * "cancelled"`); `stats` counts every token it produces.
 */
export interface Engine {
  info(): ModelInfo;
  generate(request: EngineRequest, options?: GenerateOptions): AsyncIterable<EngineStep>;
  tokenize(text: string): number[];
  detokenize(tokens: readonly number[]): string;
  countTokens(text: string): number;
  readonly stats: EngineStats;
}

/**
 * A generation that can say when its model took it: an upstream engine's request is under way and
 * `accepted` settles once the upstream answered. A service waits for it before it answers its own
 * caller, so that a refusal (429, 503) is a status rather than an error in the middle of a stream.
 * It rejects only with such a refusal; a cancelled caller makes it resolve (the steps end `cancelled`).
 */
export interface AcceptedGeneration extends AsyncIterable<EngineStep> {
  readonly accepted: Promise<void>;
}

/** Whether `steps` is an {@link AcceptedGeneration}. */
export function hasAcceptance(steps: AsyncIterable<EngineStep>): steps is AcceptedGeneration {
  return (steps as Partial<AcceptedGeneration>).accepted instanceof Promise;
}

/** Marks a step without a new token. */
export const NO_TOKEN = -1;
