import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, RpcError, clip, createCallScope } from "../../core/index.js";
import type { GatewayContext, HandlerRoute } from "../../gateway/index.js";
import type { InferenceCore } from "./inference.js";
import { HEADER_LENGTH, decodeRestRequest, encodeRestResponse } from "./rest-codec.js";
import { ByteBudget, readBody, sendOipError, sendOipJson } from "./rest-io.js";

type Handler = (req: IncomingMessage, res: ServerResponse, ctx: GatewayContext) => void | Promise<void>;

/**
 * The protocol's REST endpoints as gateway handler routes: health, metadata, inference (JSON or
 * the binary tensor extension) and the repository extension, every error as `{"error": "…"}`
 * with its status. The last route answers any other `/v2/…` path with 404.
 * @internal
 */
export function restRoutes(core: InferenceCore, budget: ByteBudget): HandlerRoute[] {
  const infer: Handler = (req, res, ctx) => serveInfer(core, budget, req, res, ctx);
  const ready: Handler = (req, res, ctx) => {
    const { model, version } = ctx.params;
    const ok = core.modelReady(model!, version);
    sendOipJson(req, res, ok ? 200 : 503, { name: model, ready: ok });
  };
  const metadata: Handler = (req, res, ctx) => sendOipJson(req, res, 200, modelMetadataJson(core, ctx.params));
  const routes: [string, string, Handler][] = [
    ["/v2/health/live", "GET", (req, res) => sendOipJson(req, res, 200, { live: core.live() })],
    ["/v2/health/ready", "GET", (req, res) => (core.ready() ? sendOipJson(req, res, 200, { ready: true }) : sendOipJson(req, res, 503, { ready: false }))],
    ["/v2", "GET", (req, res) => sendOipJson(req, res, 200, core.serverMetadata())],
    ["/v2/models/:model", "GET", metadata],
    ["/v2/models/:model/versions/:version", "GET", metadata],
    ["/v2/models/:model/ready", "GET", ready],
    ["/v2/models/:model/versions/:version/ready", "GET", ready],
    ["/v2/models/:model/infer", "POST", infer],
    ["/v2/models/:model/versions/:version/infer", "POST", infer],
    ["/v2/repository/index", "POST", async (req, res, ctx) => {
      const body = await ctx.readJson();
      const ready = body === undefined ? undefined : (body as { ready?: unknown }).ready;
      if (ready !== undefined && typeof ready !== "boolean") throw new RpcError(Code.InvalidArgument, "ready must be true or false");
      sendOipJson(req, res, 200, core.index(ready === true));
    }],
    ["/v2/repository/models/:model/load", "POST", async (req, res, ctx) => {
      await core.load(ctx.params["model"]!, parametersOfBody(await ctx.readJson()));
      sendEmpty(res);
    }],
    ["/v2/repository/models/:model/unload", "POST", async (req, res, ctx) => {
      await ctx.readJson(); // `unload_dependents` has nothing to act on: models here have no dependents
      await core.unload(ctx.params["model"]!);
      sendEmpty(res);
    }],
  ];
  return [
    ...routes.map(([path, method, handle]) => route(path, method, handle)),
    { path: "/v2/*", methods: ["*"], handle: (req, res) => sendOipError(req, res, new RpcError(Code.NotFound, `no endpoint ${req.method} ${clip(req.url?.split("?")[0] ?? "", 200)}`)) },
  ];
}

/** A route that answers every method: its own with the handler, others with 405 in the protocol's error shape. */
function route(path: string, method: string, handle: Handler): HandlerRoute {
  return {
    path,
    methods: ["*"],
    async handle(req, res, ctx) {
      if (req.method !== method && !(method === "GET" && req.method === "HEAD")) {
        return sendOipJson(req, res, 405, { error: `${req.method} is not allowed on ${path.replace(/:(\w+)/g, "{$1}")}; use ${method}` }, { allow: method });
      }
      try {
        await handle(req, res, ctx);
      } catch (e) {
        sendOipError(req, res, e);
      }
    },
  };
}

async function serveInfer(core: InferenceCore, budget: ByteBudget, req: IncomingMessage, res: ServerResponse, ctx: GatewayContext): Promise<void> {
  const o = core.options;
  const target = ctx.params["version"] === undefined ? { modelName: ctx.params["model"]! } : { modelName: ctx.params["model"]!, modelVersion: ctx.params["version"] };
  core.findModel(target.modelName, target.modelVersion); // 404 / 503 before the body is read
  const headerLength = headerLengthOf(req);
  const lease = budget.lease(res);
  const scope = createCallScope({ signal: ctx.signal, timeoutMs: ctx.timeoutMs ?? o.defaultTimeoutMs });
  try {
    const pad = headerLength === undefined ? 0 : (8 - (headerLength % 8)) % 8;
    const body = await readBody(req, { maxBytes: o.rest.maxBodyBytes, pad, lease, signal: scope.signal });
    const request = decodeRestRequest(body, headerLength, target, o.limits, ctx.options.maxJsonDepth);
    const response = await core.infer(request, { signal: scope.signal, timeoutMs: scope.remainingMs() });
    const out = encodeRestResponse(response, request);
    lease.add(out.size);
    if (res.destroyed) return;
    if (out.binary.length === 0) {
      res.writeHead(200, { "content-type": "application/json", "content-length": out.size });
      return void res.end(out.json);
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": out.size, [HEADER_LENGTH]: out.json.length });
    res.cork();
    res.write(out.json);
    for (const b of out.binary) res.write(b); // views of the output arrays: written, not copied
    res.uncork();
    res.end();
  } finally {
    scope.dispose();
  }
}

/** The JSON header's length from `Inference-Header-Content-Length`; INVALID_ARGUMENT when it is not a byte count. */
function headerLengthOf(req: IncomingMessage): number | undefined {
  const v = req.headers[HEADER_LENGTH];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^\d{1,15}$/.test(v.trim())) throw new RpcError(Code.InvalidArgument, `Inference-Header-Content-Length must be a byte count, got "${clip(String(v), 40)}"`);
  return Number(v.trim());
}

function modelMetadataJson(core: InferenceCore, params: Readonly<Record<string, string>>): object {
  const { properties: _, ...meta } = core.modelMetadata(params["model"]!, params["version"]);
  return meta;
}

function parametersOfBody(body: unknown): Readonly<Record<string, unknown>> | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== "object" || Array.isArray(body)) throw new RpcError(Code.InvalidArgument, "the request body must be a JSON object");
  const p = (body as { parameters?: unknown }).parameters;
  if (p === undefined || p === null) return undefined;
  if (typeof p !== "object" || Array.isArray(p)) throw new RpcError(Code.InvalidArgument, "parameters must be a JSON object");
  return p as Record<string, unknown>;
}

function sendEmpty(res: ServerResponse): void {
  res.writeHead(200, { "content-length": 0 });
  res.end();
}
