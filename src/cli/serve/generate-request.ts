import { Code, RpcError } from "../../core/index.js";
import type { GenerateRequestMsg } from "../../serving/index.js";

/** Longest prompt accepted in a query string, in characters. */
const MAX_QUERY_PROMPT = 8192;

const bad = (message: string) => new RpcError(Code.InvalidArgument, message);

/**
 * `GET /api/generate` query parameters -> a GenerateRequest: `prompt`, `max_tokens`,
 * `temperature`, `seed`, and also `top_p`, `model` and `stop` (repeatable). Absent = engine default.
 *
 * @throws RpcError INVALID_ARGUMENT on a value that is not a number where one is needed.
 */
export function requestFromQuery(q: URLSearchParams): GenerateRequestMsg {
  const prompt = q.get("prompt") ?? "";
  if (prompt.length > MAX_QUERY_PROMPT) throw bad(`prompt in the query is longer than ${MAX_QUERY_PROMPT} characters; POST it instead`);
  const req: GenerateRequestMsg = { prompt, stop: q.getAll("stop") };
  const model = q.get("model");
  if (model) req.model = model;
  const maxTokens = number(q, "max_tokens");
  if (maxTokens !== undefined) req.max_tokens = count(maxTokens);
  const temperature = number(q, "temperature");
  if (temperature !== undefined) req.temperature = temperature;
  const topP = number(q, "top_p");
  if (topP !== undefined) req.top_p = topP;
  const seed = q.get("seed");
  if (seed !== null && seed !== "") {
    if (!/^-?\d{1,19}$/.test(seed)) throw bad(`seed must be an integer, got "${seed.slice(0, 40)}"`);
    req.seed = seed;
  }
  return req;
}

/**
 * A JSON body (`POST /api/generate`, a WebSocket message) -> a GenerateRequest. Fields as in
 * generation.proto: `prompt`, `messages`, `max_tokens`, `temperature`, `top_p`, `seed`, `stop`, `model`.
 *
 * @throws RpcError INVALID_ARGUMENT naming a field of the wrong type.
 */
export function requestFromJson(o: Record<string, unknown>): GenerateRequestMsg {
  const req: GenerateRequestMsg = {};
  for (const [key, v] of Object.entries(o)) {
    if (v === null || v === undefined) continue;
    switch (key) {
      case "model": case "prompt":
        if (typeof v !== "string") throw bad(`${key} must be a string`);
        req[key] = v;
        break;
      case "max_tokens": case "temperature": case "top_p":
        if (typeof v !== "number" || !Number.isFinite(v)) throw bad(`${key} must be a number`);
        req[key] = key === "max_tokens" ? count(v) : v;
        break;
      case "seed":
        if (!(typeof v === "number" && Number.isSafeInteger(v)) && !(typeof v === "string" && /^-?\d{1,19}$/.test(v))) throw bad("seed must be an integer");
        req.seed = v;
        break;
      case "stop":
        req.stop = typeof v === "string" ? [v] : strings(v, "stop");
        break;
      case "messages":
        req.messages = messages(v);
        break;
      default:
        throw bad(`unknown field "${key.slice(0, 40)}"`);
    }
  }
  return req;
}

function number(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw bad(`${name} must be a number, got "${v.slice(0, 40)}"`);
  return n;
}

function count(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw bad(`max_tokens must be a positive integer, got ${n}`);
  return n;
}

function strings(v: unknown, name: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) throw bad(`${name} must be a string or an array of strings`);
  return v as string[];
}

function messages(v: unknown): { role: string; content: string }[] {
  if (!Array.isArray(v)) throw bad("messages must be an array");
  return v.map((m) => {
    const r = m as { role?: unknown; content?: unknown } | null;
    if (typeof r?.role !== "string" || typeof r.content !== "string") throw bad("each message needs a string role and content");
    return { role: r.role, content: r.content };
  });
}
