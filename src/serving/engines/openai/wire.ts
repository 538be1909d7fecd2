// The OpenAI wire format of the upstream engine: the request body of /chat/completions and
// /completions, and the pieces of a streamed chunk it reads.
import { Code, RpcError } from "../../../core/index.js";
import type { FinishReason } from "../engine.js";
import type { ResolvedEngineRequest } from "../request.js";

/** `/chat/completions` when the request is a chat, else `/completions` with the prompt. */
export function upstreamPath(req: ResolvedEngineRequest): string {
  return req.messages.length > 0 ? "/chat/completions" : "/completions";
}

/** The JSON body asking `model` for a stream, with usage in its last chunk. */
export function upstreamBody(model: string, req: ResolvedEngineRequest): string {
  const body: Record<string, unknown> = {
    model,
    max_tokens: req.maxTokens,
    temperature: req.temperature,
    top_p: req.topP,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (req.messages.length > 0) body["messages"] = req.messages;
  else body["prompt"] = req.prompt;
  if (req.stop.length > 0) body["stop"] = req.stop;
  if (req.seed !== undefined) {
    if (req.seed > BigInt(Number.MAX_SAFE_INTEGER) || req.seed < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RpcError(Code.InvalidArgument, "seed must be a safe integer (|seed| < 2^53) for an OpenAI-compatible upstream");
    }
    body["seed"] = Number(req.seed);
  }
  return JSON.stringify(body);
}

/** What one `data:` event of the stream carries. */
export interface UpstreamChunk {
  /** New text (`delta.content` of a chat, `text` of a completion); "" when none. */
  readonly text: string;
  readonly finishReason: FinishReason | undefined;
  readonly usage: { promptTokens: number; completionTokens: number } | undefined;
}

/**
 * One `data:` payload. An `{"error": …}` object in the stream (vLLM and TGI send one when a
 * generation fails midway) is UNAVAILABLE with the upstream's message; anything unreadable INTERNAL.
 */
export function readChunk(data: string): UpstreamChunk {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new RpcError(Code.Internal, `the upstream sent an event that is not JSON: ${data.slice(0, 100)}`);
  }
  if (typeof json !== "object" || json === null) throw new RpcError(Code.Internal, "the upstream sent an event that is not a JSON object");
  const o = json as { choices?: unknown; usage?: unknown; error?: unknown };
  if (o.error !== undefined) throw new RpcError(Code.Unavailable, `the upstream failed during the generation: ${errorMessage(o.error)}`);
  const choice = Array.isArray(o.choices) ? (o.choices[0] as Record<string, unknown> | undefined) : undefined;
  const delta = choice?.["delta"] as { content?: unknown } | undefined;
  const piece = delta !== undefined ? delta.content : choice?.["text"];
  return {
    text: typeof piece === "string" ? piece : "",
    finishReason: finishReasonOf(choice?.["finish_reason"]),
    usage: usageOf(o.usage),
  };
}

/** OpenAI's reasons to ours: `length` stays, `cancelled`/`abort` are cancelled, the rest (stop, tool calls, content filter) stop. */
function finishReasonOf(v: unknown): FinishReason | undefined {
  if (typeof v !== "string" || v === "") return undefined;
  if (v === "length") return "length";
  if (v === "cancelled" || v === "abort") return "cancelled";
  return "stop";
}

function usageOf(v: unknown): UpstreamChunk["usage"] {
  if (typeof v !== "object" || v === null) return undefined;
  const u = v as { prompt_tokens?: unknown; completion_tokens?: unknown };
  if (typeof u.prompt_tokens !== "number" || typeof u.completion_tokens !== "number") return undefined;
  return { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens };
}

/** The message of an OpenAI error body (`{"error": {"message"}}`, `{"error": "…"}`, `{"message"}`), clipped. */
export function errorMessage(v: unknown): string {
  const o = v as { message?: unknown; error?: unknown } | undefined;
  const m = typeof v === "string" ? v
    : typeof o?.message === "string" ? o.message
    : o?.error !== undefined ? errorMessage(o.error)
    : JSON.stringify(v) ?? "";
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}
