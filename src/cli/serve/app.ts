import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, RpcError } from "../../core/index.js";
import type { Metrics } from "../../observability/metrics/index.js";
import type { Client } from "../../rpc/index.js";
import type { GenerationMethods } from "../../serving/index.js";
import { sendError, sendJson, type Gateway } from "../../gateway/index.js";
import type { InFlight } from "./in-flight.js";
import { pageHeaders, type PageAssets } from "./page.js";

/** What the HTTP side of `weir serve` is made of. */
export interface AppParts {
  /**
   * The Generation client of the health probe: gRPC to the model server on a connection of its
   * own, so that the probe never waits behind generations.
   */
  readonly client: Client<GenerationMethods>;
  readonly metrics: Metrics;
  readonly page: PageAssets;
  readonly inFlight: InFlight;
  /** The gateway: `/api/generate`, `/api/generate/ws`, `/v1/*`. */
  readonly gateway: Gateway;
  /** Timeout of the health probe (ListModels over gRPC), in ms. Default 2000. */
  readonly healthTimeoutMs?: number;
}

/**
 * The HTTP routes of `weir serve`: the gateway's first (`/api/generate`, `/v1/*`), then `/` (chat
 * page), `/healthz`, `/metrics`. Every exchange counts in `inFlight` until its response closes.
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
  if (parts.gateway.tryHandle(req, res)) return;
  const p = new URL(req.url ?? "/", "http://localhost").pathname;
  const method = req.method ?? "GET";
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

/**
 * 200 when the model server answers ListModels over gRPC in time; also 200 (`"busy"`) when it
 * answers RESOURCE_EXHAUSTED: a server that says it is busy is alive, and restarting it would
 * only lose the work it is doing. Else 503.
 */
async function health(parts: AppParts, res: ServerResponse): Promise<void> {
  try {
    const r = await parts.client.ListModels({}, { timeoutMs: parts.healthTimeoutMs ?? 2000 });
    sendJson(res, 200, { status: "ok", models: r.models.map((m) => m.id) });
  } catch (e) {
    const err = RpcError.from(e, Code.Unavailable);
    const busy = err.code === Code.ResourceExhausted;
    sendJson(res, busy ? 200 : 503, { status: busy ? "busy" : "unavailable", error: { code: err.code, message: err.rawMessage } });
  }
}

function notAllowed(res: ServerResponse, allow: string): void {
  sendJson(res, 405, { error: { code: Code.Unimplemented, status: "UNIMPLEMENTED", message: `method not allowed; use ${allow}` } }, { allow });
}
