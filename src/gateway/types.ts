import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Metadata } from "../core/index.js";
import type { ResolvedWebSocketHubOptions, SseWriterOptions, WebSocketHubOptions } from "../http/index.js";
import type { CallOptions, ClientCallContext, ClientTransport, GenericClient, JsonWriteOptions, Middleware, ServiceDescriptor } from "../rpc/index.js";

/** What a route's `request` function gets to build the RPC request JSON from. */
export interface HttpInput {
  /** The parsed JSON body (`undefined` without a body). */
  readonly body: unknown;
  readonly query: URLSearchParams;
  /** Path parameters (`/users/:id` -> `{ id }`). */
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
}

/** Resumable SSE streams (see docs/gateway.md). */
export interface ResumeOptions {
  /** How long a stream's events are kept without a reader; then the stream is forgotten (404). Default 60000 ms. */
  retentionMs?: number;
  /**
   * How long a running stream's upstream call goes on without a reader; then it is cancelled (the
   * engine stops) and a reader that comes back gets the events kept, then an `error` event
   * (CANCELLED) saying why. Default 10000 ms.
   */
  graceMs?: number;
  /** Events kept per stream for replay; the upstream pauses when this many are unread. Default 1024. */
  maxEvents?: number;
  /** Bytes of events kept per stream; the upstream pauses when this many are unread. Default 256 KiB. */
  maxBytes?: number;
  /** Resumable streams at once (running or retained); more are refused with 429. Default 256. */
  maxStreams?: number;
  /**
   * Resumable streams one client may hold at once (running or retained); more are refused with
   * 429. A client is the principal the gateway's middleware authenticated (e.g. a JWT's `iss` and
   * `sub`), else the remote address. Default 16.
   */
  maxStreamsPerClient?: number;
}

/** A route from HTTP to one RPC method, through a generic JSON call. */
export interface RpcRoute {
  /** URL path: exact (`/api/generate`), with `:name` parameters, or ending in `/*`. */
  readonly path: string;
  /** The RPC method: `pkg.Service/Method`, `/pkg.Service/Method`, `Service/Method` (see createMethodIndex). */
  readonly rpc: string;
  /**
   * How it is served. Default by the method's kind: unary and client-streaming -> `json`,
   * server-streaming -> `sse`, bidi -> `websocket`. A server- or client-streaming method may also
   * be served as `websocket`.
   */
  readonly as?: "json" | "sse" | "websocket";
  /** HTTP methods. Default: `["POST"]` for `json`, `["GET", "POST"]` for `sse`; `websocket` routes take upgrades (GET). */
  readonly methods?: readonly string[];
  /**
   * Build the request JSON. Default: the query parameters (`a.b=1` nests), overlaid by the JSON
   * body's fields, overlaid by the path parameters. Client streams: the body must be a JSON array.
   */
  readonly request?: (input: HttpInput) => unknown;
  /** Change each response JSON before it is sent. Default: as is. */
  readonly response?: (json: unknown) => unknown;
  /** How Protobuf responses are written. Default `{ emitDefaults: true }` (JSON names, defaults included). */
  readonly json?: JsonWriteOptions;
  /** Deadline for calls without a timeout header, in ms. Default: the gateway's `defaultTimeoutMs` (JSON routes) or `defaultStreamTimeoutMs` (SSE and WebSocket routes). */
  readonly timeoutMs?: number;
  /** SSE routes: allow clients to ask for a resumable stream (`?resumable=1`). `true` takes the gateway's `resume` defaults. Default off. */
  readonly resumable?: boolean | ResumeOptions;
  /** SSE writer options for this route (keep-alive, queue limit). */
  readonly sse?: SseWriterOptions;
}

/** What a handler route gets with each request. */
export interface GatewayContext {
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  /** Aborted (reason: RpcError CANCELLED) when the client goes away or the gateway closes. */
  readonly signal: AbortSignal;
  /** Forwarded request headers, as RPC metadata. */
  readonly metadata: Metadata;
  /**
   * The request's timeout in ms: the timeout header's, else the route's default. On handler
   * routes only the header's (undefined without one).
   */
  readonly timeoutMs: number | undefined;
  /**
   * Call options carrying the signal, metadata and timeout, for an RPC made for this request;
   * without a `timeoutMs`, the gateway's `defaultStreamTimeoutMs`.
   */
  callOptions(): CallOptions;
  /** The body as JSON (`undefined` when empty); RpcError INVALID_ARGUMENT / RESOURCE_EXHAUSTED otherwise. */
  readJson(): Promise<unknown>;
  /** The gateway's options, resolved. */
  readonly options: ResolvedGatewayOptions;
}

/** A route answered by your own function (the OpenAI facade is a list of these). */
export interface HandlerRoute {
  readonly path: string;
  /** HTTP methods; `["*"]` for any. */
  readonly methods: readonly string[];
  handle(req: IncomingMessage, res: ServerResponse, ctx: GatewayContext): void | Promise<void>;
}

/** One gateway route: to an RPC method (`RpcRoute`) or to a handler of your own (`HandlerRoute`). */
export type GatewayRoute = RpcRoute | HandlerRoute;

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  readonly routes: readonly GatewayRoute[];
  /** Services the RPC routes call into (with `transport`). */
  readonly services?: readonly ServiceDescriptor[];
  /** Transport of the generic calls (with `services`), e.g. `createGrpcTransport(...)`. */
  readonly transport?: ClientTransport;
  /** A generic client to use instead of `services` + `transport` (give it its own middleware). */
  readonly client?: GenericClient;
  /**
   * Client middleware around every generic call made from `services` + `transport`, outermost
   * first: auth (a JWT check of the forwarded `authorization`), limits, retry… Default none.
   * An error it throws is answered like an upstream one (UNAUTHENTICATED -> 401 + JSON).
   */
  readonly middleware?: readonly Middleware<ClientCallContext>[];
  /** Request headers forwarded as metadata, by exact name. Default authorization, x-request-id, traceparent, tracestate, baggage. */
  readonly forwardHeaders?: readonly string[];
  /** Request headers with this prefix are forwarded with the prefix removed. Default `grpc-metadata-`. */
  readonly metadataPrefix?: string;
  /** Header holding the request timeout in ms (`grpc-timeout` is understood too). Default `x-timeout-ms`. */
  readonly timeoutHeader?: string;
  /**
   * Deadline of the calls of JSON routes (unary and client-streaming methods) without a timeout
   * header, in ms. Default 60000.
   */
  readonly defaultTimeoutMs?: number;
  /**
   * Deadline of streams without a timeout header, in ms: SSE and WebSocket routes, and the calls
   * of handler routes (which may stream, as the OpenAI facade does). The longest generation must
   * fit in it. Default 600000 (10 minutes).
   */
  readonly defaultStreamTimeoutMs?: number;
  /** Largest timeout a header may ask for, in ms. Default 3600000. */
  readonly maxTimeoutMs?: number;
  /** Largest request body. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /**
   * Deepest nesting of arrays and objects in a JSON body or WebSocket message; deeper is refused
   * with 400 (INVALID_ARGUMENT) before it is parsed. Default 64.
   */
  readonly maxJsonDepth?: number;
  /** SSE writer options of every stream (keep-alive 15 s, queue limit 1 MiB by default). */
  readonly sse?: SseWriterOptions;
  /**
   * SSE routes and OpenAI streams: the response head (200) is sent only once the upstream accepted
   * the call (its response headers or its first message arrived), so that a request refused late
   * (a slow check, a busy server) is still an HTTP status with a JSON body. This bounds that wait;
   * past it the call is cancelled and the answer is 504 (DEADLINE_EXCEEDED). Default 30000 ms.
   */
  readonly acceptTimeoutMs?: number;
  /** Defaults for resumable routes. */
  readonly resume?: ResumeOptions;
  /**
   * WebSocket routes: the text message that ends the request stream (default `[DONE]`), and the
   * limits of every socket and of all of them together: largest message (1 MiB), sockets open
   * (256; more get HTTP 503), bytes held unread per socket (1 MiB) and in total (64 MiB) before
   * reading stops, ping every 30 s with a 10 s pong timeout, idle close after 120 s, and who may
   * connect (same-origin pages and non-browser clients; `allowedOrigins`, `allowedHosts`). See
   * {@link WebSocketHubOptions} and docs/limits.md.
   */
  readonly websocket?: GatewayWebSocketOptions;
}

/** `GatewayOptions` with every default filled in and checked, as `resolveGatewayOptions` returns them. */
export interface ResolvedGatewayOptions {
  readonly forwardHeaders: readonly string[];
  readonly metadataPrefix: string;
  readonly timeoutHeader: string;
  readonly defaultTimeoutMs: number;
  readonly defaultStreamTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxJsonDepth: number;
  readonly sse: SseWriterOptions;
  readonly acceptTimeoutMs: number;
  readonly resume: Required<ResumeOptions>;
  readonly websocket: ResolvedWebSocketHubOptions & { readonly endMessage: string };
}

/** The `websocket` options of a gateway. */
export interface GatewayWebSocketOptions extends WebSocketHubOptions {
  /** The text message that ends the request stream (WebSocket has no half-close). Default `[DONE]`. */
  readonly endMessage?: string;
}

/** A gateway: node:http listeners plus lifecycle. */
export interface Gateway {
  /** A node:http `request` listener: answers every request (404 JSON when no route matches). */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Answer the request if a route matches its path and return true; else return false and write nothing. */
  readonly tryHandle: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** A node:http `upgrade` listener: WebSocket routes; other paths are refused with 404. */
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Take the upgrade if a WebSocket route matches and return true; else return false and touch nothing. */
  readonly tryUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /** The generic client behind the RPC routes (undefined when there are none). */
  readonly client: GenericClient | undefined;
  /** Resumable streams held now, and the bytes of events they keep. */
  resumableStats(): { streams: number; bytes: number };
  /** WebSockets open now, and the received bytes they hold. */
  webSocketStats(): { sockets: number; bytes: number };
  /** Abort requests in flight, close WebSockets (1001), drop resumable streams. Idempotent. */
  close(): Promise<void>;
}
