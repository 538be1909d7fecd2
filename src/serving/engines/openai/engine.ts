import { Code, Metadata, RpcError } from "../../../core/index.js";
import { cl100kTokenizer } from "../builtin/tokenizer.js";
import type { Engine, EngineRequest, EngineStep, GenerateOptions, ModelInfo } from "../engine.js";
import { resolveEngineRequest, type RequestLimits } from "../request.js";
import { EngineStats } from "../stats.js";
import { upstreamNetworkError, upstreamStatusError } from "./errors.js";
import { readBounded, UpstreamGeneration } from "./generation.js";
import { resolveOpenAiEngineOptions, type OpenAiEngineOptions, type ResolvedOpenAiEngineOptions } from "./options.js";
import { upstreamBody, upstreamPath } from "./wire.js";

/**
 * An engine that generates through an OpenAI-compatible server (vLLM, llama.cpp, Ollama, TGI,
 * another `weir serve`): each generation is one streamed `/chat/completions` (a chat) or
 * `/completions` (a prompt) request. The caller's signal aborts the HTTP request, which the
 * upstream sees as a closed connection; the upstream's refusals become RpcErrors (429
 * RESOURCE_EXHAUSTED with its Retry-After, 5xx UNAVAILABLE), and its usage is passed through.
 *
 * Steps carry text without token ids (`tokenId` -1): the upstream's tokenizer is its own.
 * `tokenize`/`countTokens` use cl100k, an estimate for limits and usage when the upstream gives none.
 *
 * @example
 * const engine = await createOpenAiEngine({ baseUrl: "http://127.0.0.1:8000/v1", model: "Qwen/Qwen2.5-0.5B-Instruct" });
 * for await (const step of engine.generate({ messages: [{ role: "user", content: "Hi" }] })) process.stdout.write(step.text);
 */
export async function createOpenAiEngine(options: OpenAiEngineOptions): Promise<Engine> {
  const o = resolveOpenAiEngineOptions(options);
  const listed = options.model === undefined ? await firstUpstreamModel(o) : undefined;
  const model = options.model ?? listed!.id;
  const info: ModelInfo = Object.freeze({
    id: options.id ?? model,
    ownedBy: listed?.ownedBy ?? "upstream",
    created: listed?.created ?? Math.floor(Date.now() / 1000),
    contextLength: listed?.contextLength ?? o.contextLength,
    description: `${model} at ${o.baseUrl} (OpenAI-compatible upstream)`,
  });
  return new OpenAiEngine(o, model, info, options.limits ?? {}, options.stats ?? new EngineStats());
}

class OpenAiEngine implements Engine {
  private inFlight = 0;
  private readonly owner;

  constructor(
    options: ResolvedOpenAiEngineOptions,
    private readonly model: string,
    private readonly modelInfo: ModelInfo,
    private readonly limits: RequestLimits,
    readonly stats: EngineStats,
  ) {
    this.owner = { options, stats, ended: () => void this.inFlight-- };
  }

  info(): ModelInfo {
    return this.modelInfo;
  }

  tokenize(text: string): number[] {
    return cl100kTokenizer.encode(text);
  }

  detokenize(tokens: readonly number[]): string {
    return cl100kTokenizer.decode(tokens);
  }

  countTokens(text: string): number {
    return cl100kTokenizer.count(text);
  }

  generate(request: EngineRequest, options: GenerateOptions = {}): AsyncIterable<EngineStep> {
    const req = resolveEngineRequest(request, { maxTokensLimit: this.modelInfo.contextLength, ...this.limits });
    const body = upstreamBody(this.model, req);
    const max = this.owner.options.maxConcurrentRequests;
    if (this.inFlight >= max) {
      throw new RpcError(Code.ResourceExhausted, `${max} generations are in flight to the upstream, its limit; retry later`, { metadata: new Metadata({ "retry-after": "1" }) });
    }
    this.inFlight++;
    const chars = req.prompt.length + req.messages.reduce((n, m) => n + m.content.length, 0);
    return new UpstreamGeneration(this.owner, {
      url: this.owner.options.baseUrl + upstreamPath(req),
      body,
      promptTokens: Math.ceil(chars / 4), // an estimate, only used when the upstream reports no usage
      signal: options.signal,
    });
  }
}

interface ListedModel { id: string; ownedBy?: string; created?: number; contextLength?: number }

/** The first model of the upstream's `GET /models` (vLLM's `max_model_len` or `context_length` as the context). */
async function firstUpstreamModel(o: ResolvedOpenAiEngineOptions): Promise<ListedModel> {
  const url = `${o.baseUrl}/models`;
  const headers: Record<string, string> = o.apiKey === undefined ? {} : { authorization: `Bearer ${o.apiKey}` };
  let text: string;
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(o.responseTimeoutMs) });
    text = await readBounded(res, o.maxEventBytes);
    if (!res.ok) throw upstreamStatusError(res.status, res.headers.get("retry-after"), text, url);
  } catch (e) {
    throw upstreamNetworkError(e, url, (e as Error).name === "TimeoutError" ? `sent no model list within ${o.responseTimeoutMs} ms` : undefined);
  }
  let first: Record<string, unknown> | undefined;
  try {
    const data = (JSON.parse(text) as { data?: unknown }).data;
    first = Array.isArray(data) ? (data[0] as Record<string, unknown> | undefined) : undefined;
  } catch { /* reported below */ }
  if (typeof first?.["id"] !== "string") throw new RpcError(Code.FailedPrecondition, `the upstream ${url} lists no model; name one (--upstream-model)`);
  const n = (k: string) => (typeof first![k] === "number" && Number.isSafeInteger(first![k]) ? (first![k] as number) : undefined);
  return {
    id: first["id"] as string,
    ownedBy: typeof first["owned_by"] === "string" ? first["owned_by"] : undefined,
    created: n("created"),
    contextLength: n("max_model_len") ?? n("context_length") ?? n("context_window"),
  };
}
