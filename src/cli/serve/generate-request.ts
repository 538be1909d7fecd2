import { Code, RpcError, clip } from "../../core/index.js";
import { RESERVED_QUERY } from "../../gateway/index.js";
import type { GenerateRequestMsg } from "../../serving/index.js";

/** Longest prompt accepted in a query string, in characters. */
const MAX_QUERY_PROMPT = 8192;

const bad = (message: string) => new RpcError(Code.InvalidArgument, message);

/** The request's parameters; the gateway's own (`resumable`, `last_event_id`, `stream_id`) are allowed too. */
const PARAMETERS = ["prompt", "max_tokens", "temperature", "top_p", "seed", "model", "stop"];
const KNOWN = new Set([...PARAMETERS, ...RESERVED_QUERY]);

/**
 * `GET /api/generate` query parameters -> a GenerateRequest: `prompt`, `max_tokens`,
 * `temperature`, `seed`, and also `top_p`, `model` and `stop` (repeatable). Absent = engine default.
 *
 * @throws RpcError INVALID_ARGUMENT on an unknown parameter (a typo such as `max_token` must not
 * silently mean the default) or a value that is not a number where one is needed.
 */
export function requestFromQuery(q: URLSearchParams): GenerateRequestMsg {
  for (const name of q.keys()) {
    if (!KNOWN.has(name)) throw bad(`unknown query parameter "${clip(name, 40)}"; use ${PARAMETERS.join(", ")}`);
  }
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

/** A POST's JSON body as the request; query parameters other than the gateway's are refused (they would be ignored). */
export function requestFromBody(body: unknown, q: URLSearchParams): unknown {
  for (const name of q.keys()) {
    if (!RESERVED_QUERY.has(name)) throw bad(`query parameter "${clip(name, 40)}" is not read when the request has a JSON body; put it in the body`);
  }
  return body;
}
