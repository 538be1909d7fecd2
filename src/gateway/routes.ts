import { Code, RpcError } from "../core/index.js";
import type { SseWriterOptions } from "../http/index.js";
import type { GenericClient, JsonWriteOptions, MethodDescriptor } from "../rpc/index.js";
import { compilePath, type PathPattern } from "./match.js";
import { checkResumeOptions } from "./options.js";
import { defaultRequestJson, requestListJson } from "./request-json.js";
import type { GatewayRoute, HandlerRoute, HttpInput, ResolvedGatewayOptions, ResumeOptions, RpcRoute } from "./types.js";

/** A route ready to serve. @internal */
export interface CompiledRpcRoute {
  readonly kind: "rpc";
  readonly pattern: PathPattern;
  readonly methods: ReadonlySet<string>;
  readonly as: "json" | "sse" | "websocket";
  readonly method: MethodDescriptor;
  /** The method's gRPC path, the name generic calls use. */
  readonly rpc: string;
  /** Request JSON (an array for client streams). */
  readonly build: (input: HttpInput) => unknown;
  /** A response message's JSON -> the JSON sent. */
  readonly transform: (json: unknown) => unknown;
  /** A response message's JSON -> its text. */
  readonly encode: (json: unknown) => string;
  readonly json: JsonWriteOptions;
  readonly timeoutMs: number | undefined;
  readonly resume: Required<ResumeOptions> | undefined;
  readonly sse: SseWriterOptions;
  /** Resumable streams: how long to wait for the first event before the head is sent. */
  /** SSE: longest wait for the upstream to accept a call before the head is sent. */
  readonly acceptTimeoutMs: number;
  /** Deepest JSON nesting of a WebSocket message. */
  readonly maxJsonDepth: number;
}

/** @internal */
export interface CompiledHandlerRoute {
  readonly kind: "handler";
  readonly pattern: PathPattern;
  /** Undefined: any method. */
  readonly methods: ReadonlySet<string> | undefined;
  readonly route: HandlerRoute;
}

export type CompiledRoute = CompiledRpcRoute | CompiledHandlerRoute;

const EMIT_DEFAULTS: JsonWriteOptions = Object.freeze({ emitDefaults: true });

function isHandler(r: GatewayRoute): r is HandlerRoute {
  return typeof (r as HandlerRoute).handle === "function";
}

/** Check and compile the routes; a route to an unknown method or of the wrong shape throws at once. @internal */
export function compileRoutes(routes: readonly GatewayRoute[], client: GenericClient | undefined, o: ResolvedGatewayOptions): CompiledRoute[] {
  return routes.map((r) => {
    if (isHandler(r)) {
      const any = r.methods.includes("*");
      return { kind: "handler", pattern: compilePath(r.path), methods: any ? undefined : upper(r.methods), route: r };
    }
    if (!client) throw new RpcError(Code.InvalidArgument, `route ${r.path} calls ${r.rpc}: give the gateway services and a transport, or a client`);
    return compileRpcRoute(r, client, o);
  });
}

function compileRpcRoute(r: RpcRoute, client: GenericClient, o: ResolvedGatewayOptions): CompiledRpcRoute {
  const method = client.method(r.rpc);
  const as = r.as ?? (method.kind === "unary" || method.kind === "client" ? "json" : method.kind === "server" ? "sse" : "websocket");
  const fits = as === "websocket" || (as === "json" ? method.kind === "unary" || method.kind === "client" : method.kind === "server");
  if (!fits) throw new RpcError(Code.InvalidArgument, `route ${r.path}: ${method.path} is a ${method.kind} method and cannot be served as ${as}`);
  if (r.resumable && as !== "sse") throw new RpcError(Code.InvalidArgument, `route ${r.path}: only SSE routes can be resumable`);
  const methods = upper(r.methods ?? (as === "json" ? ["POST"] : as === "sse" ? ["GET", "POST"] : ["GET"]));
  if (r.resumable) methods.add("DELETE");
  const transform = r.response ?? identity;
  const build = r.request ?? (method.kind === "client" ? requestListJson : defaultRequestJson);
  return {
    kind: "rpc",
    pattern: compilePath(r.path),
    methods,
    as,
    method,
    rpc: method.path,
    build,
    transform,
    encode: r.response ? (j) => JSON.stringify(transform(j)) : stringify,
    json: r.json ?? EMIT_DEFAULTS,
    timeoutMs: r.timeoutMs ?? (as === "json" ? o.defaultTimeoutMs : o.defaultStreamTimeoutMs),
    resume: r.resumable ? routeResume(r, o) : undefined,
    sse: { ...o.sse, ...r.sse },
    acceptTimeoutMs: o.acceptTimeoutMs,
    maxJsonDepth: o.maxJsonDepth,
  };
}

function routeResume(r: RpcRoute, o: ResolvedGatewayOptions): Required<ResumeOptions> {
  const resume = { ...o.resume, ...(r.resumable === true || !r.resumable ? {} : definedOnly(r.resumable)) };
  checkResumeOptions(`route ${r.path}: resumable`, resume);
  return resume;
}

function upper(methods: readonly string[]): Set<string> {
  return new Set(methods.map((m) => m.toUpperCase()));
}

function identity<T>(x: T): T {
  return x;
}

function stringify(j: unknown): string {
  return JSON.stringify(j);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
