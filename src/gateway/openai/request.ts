import { invalidRequest, OpenAiRequestError } from "./errors.js";
import type { GenerateRequestJson } from "./types.js";

/** A checked OpenAI request, as a Generation request plus how to answer. */
export interface ParsedRequest {
  readonly model: string;
  readonly generate: GenerateRequestJson;
  readonly stream: boolean;
  /** `stream_options.include_usage`: a last chunk with `choices: []` and the usage. */
  readonly includeUsage: boolean;
}

type Body = Record<string, unknown>;

/** Largest max_tokens passed on: the Generation request's field is uint32 in Protobuf and i32 in Thrift. */
const MAX_TOKENS = 2 ** 31 - 1;

const fail = (message: string, param: string | null = null, code: string | null = null): never => {
  throw new OpenAiRequestError(invalidRequest(message, param, code));
};

/** Check a `/v1/chat/completions` body. */
export function parseChatRequest(body: unknown): ParsedRequest {
  const b = object(body);
  const messages = b["messages"];
  if (!Array.isArray(messages) || messages.length === 0) fail("messages must be a non-empty array", "messages");
  const chat = (messages as unknown[]).map((m, i) => chatMessage(m, i));
  if (b["logprobs"] === true) fail("logprobs are not supported by this server", "logprobs", "unsupported_value");
  if (Array.isArray(b["tools"]) && b["tools"].length > 0) fail("tools are not supported by this server", "tools", "unsupported_value");
  const format = b["response_format"] as { type?: unknown } | undefined;
  if (format !== undefined && format !== null && format.type !== "text") fail("only response_format {\"type\": \"text\"} is supported", "response_format", "unsupported_value");
  const maxTokens = b["max_completion_tokens"] ?? b["max_tokens"];
  return common(b, { messages: chat }, maxTokens, b["max_completion_tokens"] !== undefined ? "max_completion_tokens" : "max_tokens");
}

/** Check a `/v1/completions` body. */
export function parseCompletionRequest(body: unknown): ParsedRequest {
  const b = object(body);
  let prompt = b["prompt"];
  if (Array.isArray(prompt)) {
    if (prompt.length !== 1 || typeof prompt[0] !== "string") fail("prompt must be a string or an array of one string (token ids and batches are not supported)", "prompt");
    prompt = prompt[0];
  }
  if (typeof prompt !== "string") fail("prompt must be a string", "prompt");
  if (b["echo"] === true) fail("echo is not supported by this server", "echo", "unsupported_value");
  if (b["suffix"] !== undefined && b["suffix"] !== null) fail("suffix is not supported by this server", "suffix", "unsupported_value");
  if (b["best_of"] !== undefined && b["best_of"] !== null && b["best_of"] !== 1) fail("best_of must be 1", "best_of", "unsupported_value");
  if (typeof b["logprobs"] === "number" && b["logprobs"] > 0) fail("logprobs are not supported by this server", "logprobs", "unsupported_value");
  return common(b, { prompt: prompt as string }, b["max_tokens"] ?? 16, "max_tokens");
}

function object(body: unknown): Body {
  if (typeof body !== "object" || body === null || Array.isArray(body)) fail("the request body must be a JSON object");
  return body as Body;
}

function chatMessage(m: unknown, i: number): { role: string; content: string } {
  if (typeof m !== "object" || m === null) fail(`messages[${i}] must be an object`, `messages.[${i}]`);
  const { role, content } = m as Body;
  if (typeof role !== "string" || role === "") fail(`messages[${i}].role must be a string`, `messages.[${i}].role`);
  if (typeof content === "string") return { role: role as string, content };
  if (content === null || content === undefined) return { role: role as string, content: "" };
  if (!Array.isArray(content)) fail(`messages[${i}].content must be a string or an array of text parts`, `messages.[${i}].content`);
  const texts = (content as unknown[]).map((p, j) => {
    const part = p as Body;
    if (part?.["type"] !== "text" || typeof part["text"] !== "string") fail(`messages[${i}].content[${j}]: only text parts are supported`, `messages.[${i}].content`);
    return part["text"] as string;
  });
  return { role: role as string, content: texts.join("") };
}

/** The parameters both endpoints share. */
function common(b: Body, base: GenerateRequestJson, maxTokens: unknown, maxTokensName: string): ParsedRequest {
  const model = b["model"];
  if (typeof model !== "string" || model === "") fail("you must provide a model parameter", "model");
  const n = b["n"];
  if (n !== undefined && n !== null && n !== 1) fail("n must be 1: this server generates one choice per request", "n", "unsupported_value");
  const stream = b["stream"] ?? false;
  if (typeof stream !== "boolean" && stream !== null) fail("stream must be a boolean", "stream");
  const options = b["stream_options"];
  if (options !== undefined && options !== null) {
    if (stream !== true) fail("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options");
    if (typeof options !== "object") fail("stream_options must be an object", "stream_options");
  }
  const generate: GenerateRequestJson = { ...base, model: model as string };
  if (maxTokens !== undefined && maxTokens !== null) generate.max_tokens = integer(maxTokens, maxTokensName, 1, MAX_TOKENS);
  number(b, "temperature", 0, 2, (v) => { generate.temperature = v; });
  number(b, "top_p", 0, 1, (v) => { generate.top_p = v; });
  number(b, "presence_penalty", -2, 2, ignore);
  number(b, "frequency_penalty", -2, 2, ignore);
  if (b["seed"] !== undefined && b["seed"] !== null) generate.seed = integer(b["seed"], "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const stop = b["stop"];
  if (typeof stop === "string") generate.stop = [stop];
  else if (Array.isArray(stop)) {
    if (stop.length > 4 || !stop.every((s) => typeof s === "string")) fail("stop must be a string or an array of up to 4 strings", "stop");
    generate.stop = stop as string[];
  } else if (stop !== undefined && stop !== null) fail("stop must be a string or an array of up to 4 strings", "stop");
  return { model: model as string, generate, stream: stream === true, includeUsage: (options as Body | undefined)?.["include_usage"] === true };
}

/**
 * An integer parameter in `min..max`, checked as JSON gave it, before any conversion (the wire types
 * are 32-bit: a larger max_tokens would silently wrap).
 */
function integer(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer between ${min} and ${max}`, name);
  return v as number;
}

function number(b: Body, name: string, min: number, max: number, set: (v: number) => void): void {
  const v = b[name];
  if (v === undefined || v === null) return;
  if (typeof v !== "number" || !(v >= min && v <= max)) fail(`${name} must be a number between ${min} and ${max}`, name);
  set(v as number);
}

function ignore(): void {}
