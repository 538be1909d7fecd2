import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, RpcError } from "../../core/index.js";
import { createClient } from "../../rpc/index.js";
import { sendJson } from "../http-io.js";
import type { GatewayContext, HandlerRoute } from "../types.js";
import { CHAT, COMPLETION } from "./chunks.js";
import { serveCompletion, type CompletionSetup } from "./completion.js";
import { openAiError, OpenAiRequestError, sendOpenAiError } from "./errors.js";
import { parseChatRequest, parseCompletionRequest } from "./request.js";
import type { GenerationClientLike, ModelInfoLike, OpenAiOptions } from "./types.js";

/**
 * The OpenAI-compatible API as gateway routes, backed by the Generation service over RPC:
 * `POST /v1/chat/completions`, `POST /v1/completions` (streaming and not), `GET /v1/models`,
 * `GET /v1/models/{id}`; any other `/v1/...` path answers 404 in OpenAI's error shape.
 * See docs/openai.md.
 *
 * @example
 * const transport = createGrpcTransport({ target: "127.0.0.1:9090" });
 * const gateway = createGateway({ routes: openAiRoutes({ service: generationDescriptor(), transport }) });
 * http.createServer(gateway.handle).listen(8080);
 * // new OpenAI({ baseURL: "http://127.0.0.1:8080/v1", apiKey: "unused" })
 */
export function openAiRoutes(options: OpenAiOptions): HandlerRoute[] {
  const client = clientOf(options);
  const prefix = (options.prefix ?? "/v1").replace(/\/$/, "");
  const allowed = options.models ? new Set(options.models) : undefined;
  const checkModel = (model: string) => {
    if (allowed && !allowed.has(model)) throw new OpenAiRequestError(notFound(model));
  };
  const fingerprint = options.systemFingerprint ?? null;
  const setup = (flavor: typeof CHAT, parse: CompletionSetup["parse"]): CompletionSetup => ({ client, flavor, parse, fingerprint, checkModel });
  const chat = setup(CHAT, parseChatRequest), text = setup(COMPLETION, parseCompletionRequest);
  const auth = authCheck(options.apiKeys);
  const guard = (fn: (req: IncomingMessage, res: ServerResponse, ctx: GatewayContext) => Promise<void>) =>
    (req: IncomingMessage, res: ServerResponse, ctx: GatewayContext) => (auth(req, res) ? fn(req, res, ctx) : undefined);
  return [
    { path: `${prefix}/chat/completions`, methods: ["POST"], handle: guard((req, res, ctx) => serveCompletion(chat, req, res, ctx)) },
    { path: `${prefix}/completions`, methods: ["POST"], handle: guard((req, res, ctx) => serveCompletion(text, req, res, ctx)) },
    { path: `${prefix}/models`, methods: ["GET"], handle: guard((_req, res, ctx) => listModels(client, allowed, res, ctx)) },
    { path: `${prefix}/models/:model`, methods: ["GET"], handle: guard((_req, res, ctx) => oneModel(client, allowed, res, ctx)) },
    {
      path: `${prefix}/*`, methods: ["*"],
      handle: (req, res) => sendOpenAiError(res, new OpenAiRequestError(openAiError(404, `Unknown request URL: ${req.method} ${req.url?.split("?")[0]}.`, "invalid_request_error", null, "unknown_url"))),
    },
  ];
}

function clientOf(o: OpenAiOptions): GenerationClientLike {
  if (o.client) return o.client;
  if (!o.service || !o.transport) throw new RpcError(Code.InvalidArgument, "openAiRoutes needs a client, or the Generation service and a transport");
  for (const m of ["Generate", "Complete", "ListModels"]) {
    if (!o.service.methods[m]) throw new RpcError(Code.InvalidArgument, `${o.service.name} has no method ${m}: pass the Generation service`);
  }
  return createClient(o.service, o.transport) as unknown as GenerationClientLike;
}

function notFound(model: string) {
  return openAiError(404, `The model \`${model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model", "model_not_found");
}

function authCheck(keys: readonly string[] | undefined): (req: IncomingMessage, res: ServerResponse) => boolean {
  if (!keys || keys.length === 0) return () => true;
  const accepted = new Set(keys);
  return (req, res) => {
    const h = req.headers["authorization"];
    const key = typeof h === "string" && /^Bearer /i.test(h) ? h.slice(7).trim() : undefined;
    if (key !== undefined && accepted.has(key)) return true;
    sendOpenAiError(res, new OpenAiRequestError(openAiError(401, "Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key")));
    return false;
  };
}

function modelJson(m: ModelInfoLike): Record<string, unknown> {
  return { id: m.id, object: "model", created: Number(String(m.created ?? 0)), owned_by: m.owned_by || "weir" };
}

async function models(client: GenerationClientLike, allowed: Set<string> | undefined, ctx: GatewayContext): Promise<ModelInfoLike[]> {
  // a list, not a generation: without a timeout header, the deadline of JSON routes
  const r = await client.ListModels({}, { ...ctx.callOptions(), timeoutMs: ctx.timeoutMs ?? ctx.options.defaultTimeoutMs });
  return (r.models ?? []).filter((m) => !allowed || allowed.has(m.id));
}

async function listModels(client: GenerationClientLike, allowed: Set<string> | undefined, res: ServerResponse, ctx: GatewayContext): Promise<void> {
  try {
    sendJson(res, 200, { object: "list", data: (await models(client, allowed, ctx)).map(modelJson) });
  } catch (e) {
    sendOpenAiError(res, e);
  }
}

async function oneModel(client: GenerationClientLike, allowed: Set<string> | undefined, res: ServerResponse, ctx: GatewayContext): Promise<void> {
  try {
    const id = ctx.params["model"]!;
    const m = (await models(client, allowed, ctx)).find((x) => x.id === id);
    if (!m) return sendOpenAiError(res, new OpenAiRequestError(notFound(id)));
    sendJson(res, 200, modelJson(m));
  } catch (e) {
    sendOpenAiError(res, e);
  }
}
