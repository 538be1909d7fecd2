import { Code, RpcError } from "../../../core/index.js";
import type { EngineStats } from "../stats.js";
import type { RequestLimits } from "../request.js";

/** Options of {@link createOpenAiEngine}. */
export interface OpenAiEngineOptions {
  /**
   * The upstream's base URL as OpenAI clients take it: `http://host:8000/v1` (vLLM, llama.cpp's
   * server, Ollama's `/v1`, TGI, another `weir serve`). A URL without a path gets `/v1`.
   */
  baseUrl: string;
  /** The upstream's model name, sent in every request. Default: the first of the upstream's `GET /models`. */
  model?: string;
  /** The id this engine serves under (ListModels, `/v1/models`). Default: `model`. */
  id?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. Default none. */
  apiKey?: string;
  /** Most generations in flight to the upstream; one more fails with RESOURCE_EXHAUSTED. Default 256. */
  maxConcurrentRequests?: number;
  /** Time for the upstream to answer a request's headers (its queue time included). Default 120 000 ms. */
  responseTimeoutMs?: number;
  /** Longest silence between two events of a stream. Default 60 000 ms. */
  idleTimeoutMs?: number;
  /** Largest event of the upstream's stream, and largest error or `/models` body. Default 1 MiB. */
  maxEventBytes?: number;
  /** Context length reported when the upstream's `/models` does not say. Default 8192. */
  contextLength?: number;
  /** Request limits applied before the upstream is asked (max tokens, stop sequences, prompt length). */
  limits?: RequestLimits;
  /** Counters to update: one token per content event. Default a new EngineStats. */
  stats?: EngineStats;
}

/** Defaults of {@link OpenAiEngineOptions}. */
export const OPENAI_ENGINE_DEFAULTS = Object.freeze({
  maxConcurrentRequests: 256,
  responseTimeoutMs: 120_000,
  idleTimeoutMs: 60_000,
  maxEventBytes: 1 << 20,
  contextLength: 8192,
});

export interface ResolvedOpenAiEngineOptions {
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly maxConcurrentRequests: number;
  readonly responseTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxEventBytes: number;
  readonly contextLength: number;
}

const bad = (message: string) => new RpcError(Code.InvalidArgument, message);

/** Fill in defaults and check every option; INVALID_ARGUMENT naming the first bad one. */
export function resolveOpenAiEngineOptions(o: OpenAiEngineOptions): ResolvedOpenAiEngineOptions {
  let url: URL;
  try {
    url = new URL(o.baseUrl);
  } catch {
    throw bad(`upstream baseUrl must be an http(s) URL such as http://127.0.0.1:8000/v1, got "${o.baseUrl}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw bad(`upstream baseUrl must be http or https, got ${url.protocol}`);
  if (url.search !== "" || url.hash !== "") throw bad("upstream baseUrl must not have a query or a fragment");
  const path = url.pathname === "/" ? "/v1" : url.pathname.replace(/\/+$/, "");
  const d = OPENAI_ENGINE_DEFAULTS;
  const r = {
    baseUrl: `${url.origin}${path}`,
    apiKey: o.apiKey,
    maxConcurrentRequests: o.maxConcurrentRequests ?? d.maxConcurrentRequests,
    responseTimeoutMs: o.responseTimeoutMs ?? d.responseTimeoutMs,
    idleTimeoutMs: o.idleTimeoutMs ?? d.idleTimeoutMs,
    maxEventBytes: o.maxEventBytes ?? d.maxEventBytes,
    contextLength: o.contextLength ?? d.contextLength,
  };
  const positive = (name: keyof typeof d, max: number) => {
    const v = r[name];
    if (!Number.isInteger(v) || v < 1 || v > max) throw bad(`upstream option ${name} must be an integer from 1 to ${max}, got ${v}`);
  };
  positive("maxConcurrentRequests", 1 << 20);
  positive("responseTimeoutMs", 3_600_000);
  positive("idleTimeoutMs", 3_600_000);
  positive("maxEventBytes", 1 << 30);
  positive("contextLength", 1 << 24);
  if (o.model !== undefined && (o.model === "" || o.model.length > 256)) throw bad("upstream model must be a name of 1 to 256 characters");
  return r;
}
