import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { Code, RpcError } from "../core/index.js";
import { refuseUpgrade, WebSocketHub, type WebSocketChannel } from "../http/index.js";
import { createGenericClient, type GenericClient } from "../rpc/index.js";
import { RequestContext } from "./context.js";
import { disconnectController, sendError, sendJson } from "./http-io.js";
import { pathnameOf } from "./match.js";
import { resolveGatewayOptions } from "./options.js";
import { cancelResumable, serveResumable, wantsResume, type Resumables } from "./resume/serve.js";
import { StreamStore } from "./resume/store.js";
import { compileRoutes, type CompiledRoute, type CompiledRpcRoute } from "./routes.js";
import { pipeToSse } from "./sse-stream.js";
import type { Gateway, GatewayOptions, ResolvedGatewayOptions } from "./types.js";
import { serveWebSocket } from "./websocket.js";

/**
 * An HTTP gateway to RPC methods: declarative routes served through generic JSON calls
 * (POST JSON -> unary, GET/POST -> server stream as SSE, WebSocket <-> bidi), plus handler
 * routes such as the OpenAI facade. Plug `handle` (or `tryHandle`) into a node:http server's
 * `request` event and `handleUpgrade` into its `upgrade` event. See docs/gateway.md.
 *
 * @example
 * const gateway = createGateway({
 *   services: [generationDescriptor()],
 *   transport: createGrpcTransport({ target: "127.0.0.1:9090" }),
 *   routes: [{ path: "/api/generate", rpc: "weir.generation.v1.Generation/Generate", resumable: true }],
 * });
 * const server = http.createServer(gateway.handle).on("upgrade", gateway.handleUpgrade);
 */
export function createGateway(options: GatewayOptions): Gateway {
  return new GatewayImpl(options);
}

class GatewayImpl implements Gateway {
  readonly client: GenericClient | undefined;
  private readonly o: ResolvedGatewayOptions;
  private readonly routes: readonly CompiledRoute[];
  private readonly store = new StreamStore();
  private readonly resumables: Resumables | undefined;
  private readonly inFlight = new Set<AbortController>();
  private readonly sockets = new Map<WebSocketChannel, AbortController>();
  private readonly hub: WebSocketHub;
  private closed = false;

  constructor(options: GatewayOptions) {
    this.o = resolveGatewayOptions(options);
    const middleware = options.middleware ?? [];
    if (options.client !== undefined && middleware.length > 0) {
      throw new RpcError(Code.InvalidArgument, "gateway option middleware applies to services + transport; give a client its own middleware");
    }
    this.client = options.client ?? (options.services && options.transport ? createGenericClient(options.services, options.transport, { middleware }) : undefined);
    this.routes = compileRoutes(options.routes, this.client, this.o);
    this.resumables = this.client && { client: this.client, store: this.store, middleware };
    const { endMessage: _, ...limits } = this.o.websocket;
    this.hub = new WebSocketHub(limits, "gateway option websocket.");
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!this.tryHandle(req, res)) sendError(res, new RpcError(Code.NotFound, `no route for ${req.method ?? "GET"} ${pathnameOf(req.url)}`));
  };

  readonly tryHandle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const pathname = pathnameOf(req.url);
    const method = req.method ?? "GET";
    let allow: string[] | undefined;
    for (const r of this.routes) {
      const params = r.pattern.match(pathname);
      if (params === undefined) continue;
      const methods = r.kind === "rpc" && r.as === "websocket" ? new Set<string>() : r.methods;
      if (methods !== undefined && !methods.has(method)) {
        (allow ??= []).push(...(methods.size > 0 ? methods : ["GET (WebSocket upgrade)"]));
        continue;
      }
      this.run(r, params, req, res);
      return true;
    }
    if (allow === undefined) return false;
    const list = [...new Set(allow)].join(", ");
    sendJson(res, 405, { error: { code: Code.Unimplemented, status: "UNIMPLEMENTED", message: `method ${method} not allowed on ${pathname}; use ${list}` } }, { allow: list });
    return true;
  };

  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!this.tryUpgrade(req, socket, head)) refuseUpgrade(socket, new RpcError(Code.NotFound, `no WebSocket route ${pathnameOf(req.url)}`));
  };

  readonly tryUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const pathname = pathnameOf(req.url);
    for (const r of this.routes) {
      if (r.kind !== "rpc" || r.as !== "websocket") continue;
      const params = r.pattern.match(pathname);
      if (params === undefined) continue;
      this.upgrade(r, params, req, socket, head);
      return true;
    }
    return false;
  };

  resumableStats(): { streams: number; bytes: number } {
    return this.store.stats();
  }

  webSocketStats(): { sockets: number; bytes: number } {
    return this.hub.stats();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const reason = new RpcError(Code.Unavailable, "the gateway is shutting down");
    for (const c of this.inFlight) c.abort(reason);
    this.store.close();
    for (const c of this.sockets.values()) c.abort(reason);
    await this.hub.close(1001, "going away");
  }

  private run(r: CompiledRoute, params: Record<string, string>, req: IncomingMessage, res: ServerResponse): void {
    const controller = disconnectController(res);
    if (this.closed) controller.abort(new RpcError(Code.Unavailable, "the gateway is shutting down"));
    this.inFlight.add(controller);
    res.once("close", () => this.inFlight.delete(controller));
    let done: void | Promise<void>;
    try {
      const ctx = new RequestContext(req, params, controller.signal, this.o, r.kind === "rpc" ? r.timeoutMs : undefined);
      done = r.kind === "handler" ? r.route.handle(req, res, ctx) : this.serveRpc(r, ctx, req, res);
    } catch (e) {
      return sendError(res, e);
    }
    Promise.resolve(done).catch((e: unknown) => sendError(res, e));
  }

  private async serveRpc(r: CompiledRpcRoute, ctx: RequestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const c = this.client!;
    if (r.resume && req.method === "DELETE") return cancelResumable(this.resumables!, r, ctx, req, res);
    if (r.as === "sse") {
      if (r.resume && wantsResume(req, ctx)) return serveResumable(this.resumables!, r, ctx, req, res);
      const request = r.build(await ctx.input());
      return pipeToSse((opts) => c.serverStream(r.rpc, request, opts), { ...ctx.callOptions(), json: r.json }, res, r);
    }
    const request = r.build(await ctx.input());
    const opts = { ...ctx.callOptions(), json: r.json };
    const result = r.method.kind === "client" ? await c.clientStream(r.rpc, request as unknown[], opts) : await c.unary(r.rpc, request, opts);
    if (!res.destroyed) sendJson(res, 200, r.transform(result));
  }

  private upgrade(r: CompiledRpcRoute, params: Record<string, string>, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const controller = new AbortController();
    let ctx: RequestContext;
    try {
      if (this.closed) throw new RpcError(Code.Unavailable, "the gateway is shutting down");
      ctx = new RequestContext(req, params, controller.signal, this.o, r.timeoutMs);
    } catch (e) {
      const err = RpcError.from(e, Code.InvalidArgument);
      return refuseUpgrade(socket, err, err.code === Code.Unavailable ? 503 : 400);
    }
    this.hub.upgrade(req, socket, head, (channel) => {
      this.sockets.set(channel, controller);
      channel.socket.once("close", () => this.sockets.delete(channel));
      void serveWebSocket(this.client!, r, channel, ctx.callOptions(), this.o.websocket.endMessage);
    });
  }
}

export type { ResolvedGatewayOptions };
