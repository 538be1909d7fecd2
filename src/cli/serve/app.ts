import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, RpcError } from "../../core/index.js";
import type { Metrics } from "../../observability/metrics/index.js";
import type { Client } from "../../rpc/index.js";
import type { GenerationMethods } from "../../serving/index.js";
import { sendError, sendJson } from "./http-util.js";
import type { InFlight } from "./in-flight.js";
import { serveGenerateSse } from "./native-api.js";
import { pageHeaders, type PageAssets } from "./page.js";

/** A node:http handler that may leave a request to the next one (returns false). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** What the HTTP side of `weir serve` is made of. */
export interface AppParts {
  /** The Generation client (gRPC to the model server). */
  readonly client: Client<GenerationMethods>;
  readonly metrics: Metrics;
  readonly page: PageAssets;
  readonly inFlight: InFlight;
  /** The OpenAI-compatible routes under `/v1/`. Default: answered 404. */
  readonly openai?: RouteHandler;
  /** Timeout of the health probe (ListModels over gRPC), in ms. Default 2000. */
  readonly healthTimeoutMs?: number;
}

/**
 * The HTTP routes of `weir serve`: `/` (chat page), `/api/generate` (SSE), `/v1/*` (OpenAI),
 * `/healthz`, `/metrics`. (`/api/generate/ws` is an upgrade, see acceptGenerateWebSockets.)
 */
export function createApp(parts: AppParts): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const leave = parts.inFlight.enter();
    res.once("close", leave);
    route(parts, req, res).catch((e: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, e);
    });
  };
}

async function route(parts: AppParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const p = url.pathname;
  const method = req.method ?? "GET";
  if (p === "/api/generate") {
    if (method !== "GET" && method !== "POST") return notAllowed(res, "GET, POST");
    return serveGenerateSse(req, res, url, parts.client);
  }
  if (p.startsWith("/v1/")) {
    if (parts.openai && (await parts.openai(req, res))) return;
    return sendError(res, new RpcError(Code.NotFound, `no route ${method} ${p}`));
  }
  if (p === "/healthz") return health(parts, res);
  if (p === "/metrics") return parts.metrics.handle(req, res);
  const asset = parts.page.get(p);
  if (asset) {
    if (method !== "GET" && method !== "HEAD") return notAllowed(res, "GET, HEAD");
    res.writeHead(200, pageHeaders(asset));
    res.end(method === "HEAD" ? undefined : asset.body);
    return;
  }
  if (p === "/favicon.ico") return void res.writeHead(204).end();
  sendError(res, new RpcError(Code.NotFound, `no route ${method} ${p}`));
}

/** 200 when the model server answers ListModels over gRPC in time, else 503. */
async function health(parts: AppParts, res: ServerResponse): Promise<void> {
  try {
    const r = await parts.client.ListModels({}, { timeoutMs: parts.healthTimeoutMs ?? 2000 });
    sendJson(res, 200, { status: "ok", models: r.models.map((m) => m.id) });
  } catch (e) {
    const err = RpcError.from(e, Code.Unavailable);
    sendJson(res, 503, { status: "unavailable", error: { code: err.code, message: err.rawMessage } });
  }
}

function notAllowed(res: ServerResponse, allow: string): void {
  sendJson(res, 405, { error: { code: Code.Unimplemented, status: "UNIMPLEMENTED", message: `method not allowed; use ${allow}` } }, { allow });
}
