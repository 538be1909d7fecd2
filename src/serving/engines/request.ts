import { Code, RpcError } from "../../core/index.js";
import type { ChatMessage, EngineRequest } from "./engine.js";

/** Limits and defaults an engine applies to requests. */
export interface RequestLimits {
  /** max tokens when the request gives none. Default 256. */
  defaultMaxTokens?: number;
  /** Largest max tokens accepted. Default 4096. */
  maxTokensLimit?: number;
  /** Most stop sequences. Default 4 (as OpenAI). */
  maxStopSequences?: number;
  /** Longest stop sequence, in characters. Default 256. */
  maxStopLength?: number;
  /** Longest prompt (all messages together), in characters. Default 1 MiB. */
  maxPromptChars?: number;
  /** Most chat messages. Default 1024. */
  maxMessages?: number;
}

export const REQUEST_LIMIT_DEFAULTS: Readonly<Required<RequestLimits>> = Object.freeze({
  defaultMaxTokens: 256,
  maxTokensLimit: 4096,
  maxStopSequences: 4,
  maxStopLength: 256,
  maxPromptChars: 1 << 20,
  maxMessages: 1024,
});

/** A request with every default filled in and every value checked. */
export interface ResolvedEngineRequest {
  readonly prompt: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP: number;
  readonly seed: bigint | undefined;
  readonly stop: readonly string[];
}

const bad = (message: string) => new RpcError(Code.InvalidArgument, message);

/**
 * Check a request and fill in defaults: temperature 1 (0..2), top_p 1 (0 < p <= 1), max tokens
 * from the limits. Integral seeds of any size are kept as bigint.
 *
 * @throws RpcError INVALID_ARGUMENT naming the first bad field.
 */
export function resolveEngineRequest(req: EngineRequest, limits: RequestLimits = {}): ResolvedEngineRequest {
  const l = { ...REQUEST_LIMIT_DEFAULTS, ...stripUndefined(limits) };
  const messages = req.messages ?? [];
  if (messages.length > l.maxMessages) throw bad(`too many messages: ${messages.length} > ${l.maxMessages}`);
  let chars = (req.prompt ?? "").length;
  for (const m of messages) {
    if (typeof m.role !== "string" || typeof m.content !== "string") throw bad("each message needs a string role and content");
    chars += m.content.length;
  }
  if (chars > l.maxPromptChars) throw bad(`prompt of ${chars} characters exceeds ${l.maxPromptChars}`);
  const maxTokens = req.maxTokens ?? l.defaultMaxTokens;
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > l.maxTokensLimit) {
    throw bad(`max_tokens must be an integer in 1..${l.maxTokensLimit}, got ${maxTokens}`);
  }
  const temperature = req.temperature ?? 1;
  if (!(temperature >= 0 && temperature <= 2)) throw bad(`temperature must be in 0..2, got ${temperature}`);
  const topP = req.topP ?? 1;
  if (!(topP > 0 && topP <= 1)) throw bad(`top_p must be in (0, 1], got ${topP}`);
  const stop = req.stop ?? [];
  if (stop.length > l.maxStopSequences) throw bad(`at most ${l.maxStopSequences} stop sequences, got ${stop.length}`);
  for (const s of stop) {
    if (typeof s !== "string" || s.length === 0 || s.length > l.maxStopLength) {
      throw bad(`each stop sequence must be a non-empty string of at most ${l.maxStopLength} characters`);
    }
  }
  return { prompt: req.prompt ?? "", messages, maxTokens, temperature, topP, seed: toSeed(req.seed), stop };
}

function toSeed(seed: number | bigint | undefined): bigint | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed === "bigint") return seed;
  if (!Number.isSafeInteger(seed)) throw bad(`seed must be an integer, got ${seed}`);
  return BigInt(seed);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
