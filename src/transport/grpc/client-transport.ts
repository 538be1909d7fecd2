import type http2 from "node:http2";
import { Code, RpcError } from "../../core/index.js";
import type { Call, ClientCallContext, ClientTransport } from "../../rpc/index.js";
import { rpcErrorFromNodeError } from "../node-error.js";
import { ClientCall, abortedReason, type CallShared } from "./client-call.js";
import { USER_AGENT, resolveGrpcTransportOptions, type ConnectivityState, type GrpcTransportOptions, type ResolvedGrpcTransportOptions } from "./client-options.js";
import { encodeRequest, pumpRequests, writeEnvelope, type Envelope } from "./client-request.js";
import { StreamResponseCall } from "./client-stream.js";
import { UnaryResponseCall } from "./client-unary.js";
import { metadataToHeaders } from "./headers.js";
import { SessionPool } from "./session-pool.js";
import { StreamPacer, closedWhileWaiting } from "./stream-pacer.js";
import { formatGrpcTimeout } from "./timeout.js";
import { grpcContentType } from "../thrift/grpc-compat.js";

/** A gRPC client transport: one HTTP/2 connection to one target, shared by every call. */
export interface GrpcTransport extends ClientTransport {
  /** The connection's state (gRPC connectivity semantics). */
  readonly state: ConnectivityState;
}

/**
 * Create a gRPC transport over node:http2 for `createClient`. The connection opens on the first
 * call and is reused by all; when it closes or receives GOAWAY the next call opens a new one; a
 * failed attempt is retried after an exponential backoff, during which calls fail fast with
 * UNAVAILABLE unless `waitForReady` is set.
 *
 * @example
 * const transport = createGrpcTransport({ target: "127.0.0.1:50051" });
 * const greeter = createClient(Greeter, transport);
 * await greeter.SayHello({ name: "ada" }, { timeoutMs: 1000 });
 * await transport.close();
 */
export function createGrpcTransport(options: GrpcTransportOptions): GrpcTransport {
  const o = resolveGrpcTransportOptions(options);
  const pool = new SessionPool(o);
  const shared: CallShared = { limits: o.limits, pool, headerCache: new Map() };
  const pacer = o.streamsPerTurn === Infinity ? undefined : new StreamPacer(o.streamsPerTurn, sendNow);
  const start = (session: http2.ClientHttp2Session, call: Call<ClientCallContext>) => startCall(o, shared, pacer, session, call);
  return {
    protocol: "grpc",
    target: options.target,
    get state() { return pool.state; },
    call(call: Call<ClientCallContext>): Promise<unknown> {
      const aborted = abortedReason(call.ctx);
      if (aborted !== undefined) return Promise.reject(aborted);
      const enc = call.ctx.requestEncoding;
      if (enc !== undefined && enc !== "identity" && enc !== "gzip" && enc !== "deflate") {
        return Promise.reject(new RpcError(Code.InvalidArgument, `unsupported compression "${enc}"; use gzip, deflate or identity`));
      }
      const session = pool.acquire();
      if (!o.waitForReady) return session instanceof RpcError ? Promise.reject(session) : start(session, call);
      // wait-for-ready: start the stream only on an established connection
      if (!(session instanceof RpcError) && !session.connecting) return start(session, call);
      if (pool.state === "shutdown") return Promise.reject(session);
      return pool.whenReady(call.ctx.signal).then((s) => start(s, call));
    },
    close: () => {
      pacer?.failWaiting(closedWhileWaiting());
      return pool.close();
    },
  };
}

function startCall(
  o: ResolvedGrpcTransportOptions, shared: CallShared, pacer: StreamPacer | undefined, session: http2.ClientHttp2Session, call: Call<ClientCallContext>,
): Promise<unknown> {
  const { method, ctx } = call;
  const enc = ctx.requestEncoding === "identity" ? undefined : ctx.requestEncoding;
  const headers = requestHeaders(o, shared.headerCache, method.path, ctx, enc);
  const max = o.limits.maxSendMessageBytes;
  const streaming = method.kind === "client" || method.kind === "bidi";
  const c = method.kind === "unary" || method.kind === "client"
    ? new UnaryResponseCall(ctx, method, shared)
    : new StreamResponseCall(ctx, method, shared);
  const result = c instanceof UnaryResponseCall ? c.result : Promise.resolve(c);
  if (streaming) {
    if (open(c, session, headers)) void pumpRequests(c, call.request as AsyncIterable<unknown>, enc, max);
    return result;
  }
  let env: Envelope | Promise<Envelope>;
  try {
    env = encodeRequest(method, call.request, enc, max);
  } catch (e) {
    return Promise.reject(RpcError.from(e, Code.Internal));
  }
  if (env instanceof Promise) {
    return env.then((e) => {
      send(pacer, c, session, headers, e);
      return result;
    });
  }
  send(pacer, c, session, headers, env);
  return result;
}

function send(pacer: StreamPacer | undefined, c: ClientCall, session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, env: Envelope): void {
  if (pacer === undefined) sendNow(c, session, headers, env);
  else pacer.send(c, session, headers, env);
}

/**
 * Send a call's only request; a stream the server never processed is sent once more on a fresh
 * connection, and so is a call whose connection closed while it waited for its turn.
 */
function sendNow(c: ClientCall, session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, env: Envelope): void {
  c.sentHeaders = headers;
  c.sentEnvelope = env;
  c.replay = replay;
  if (session.closed || session.destroyed) {
    if (!replay(c)) c.fail(new RpcError(Code.Unavailable, "the connection closed before the call was sent"));
    return;
  }
  if (open(c, session, headers)) writeEnvelope(c.stream!, env, true);
}

/** One function for every call (no closure per call): the call carries what it sent. */
function replay(call: ClientCall): boolean {
  const again = call.shared.pool.acquire();
  if (again instanceof RpcError || again.destroyed || again.closed) return false;
  if (open(call, again, call.sentHeaders!)) writeEnvelope(call.stream!, call.sentEnvelope!, true);
  return true;
}

/** Methods whose request headers a transport keeps, and timeouts per method (bounds on memory). */
const MAX_CACHED_PATHS = 256;
const MAX_TIMEOUTS_PER_PATH = 16;

/** @internal The request headers of one method: without a timeout, and by whole ms of timeout. */
export interface CachedHeaders {
  readonly contentType: string;
  readonly plain: http2.OutgoingHttpHeaders;
  readonly timed: Map<number, http2.OutgoingHttpHeaders>;
}

/** Open the call's stream; a synchronous failure becomes the call's outcome. */
function open(c: ClientCall, session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): boolean {
  try {
    c.open(session, headers);
    return true;
  } catch (e) {
    c.fail(rpcErrorFromNodeError(e, Code.Internal));
    return false;
  }
}

/**
 * A call with no compression or metadata sends its method's headers unchanged but for grpc-timeout,
 * whose value repeats for calls made with the same time limit: such header objects are built once
 * per method and whole millisecond of timeout, and reused (node:http2 copies the object it is given
 * and never changes it).
 */
function requestHeaders(
  o: ResolvedGrpcTransportOptions, cache: Map<string, CachedHeaders>, path: string, ctx: ClientCallContext, enc: string | undefined,
): http2.OutgoingHttpHeaders {
  const remaining = ctx.timeRemaining();
  if (enc === undefined && ctx.requestMetadata.size === 0) {
    let entry = cache.get(path);
    if (entry === undefined || entry.contentType !== grpcContentType(ctx.method)) {
      if (cache.size >= MAX_CACHED_PATHS) cache.clear();
      entry = { contentType: grpcContentType(ctx.method), plain: Object.freeze(baseHeaders(o, path, ctx)), timed: new Map() };
      cache.set(path, entry);
    }
    if (remaining === undefined) return entry.plain;
    const ms = Math.ceil(remaining);
    if (remaining >= 1 && ms < 1e8) { // what formatGrpcTimeout writes as whole ms
      let h = entry.timed.get(ms);
      if (h === undefined) {
        if (entry.timed.size >= MAX_TIMEOUTS_PER_PATH) entry.timed.clear(); // deadlines counting down make many
        h = Object.freeze({ ...entry.plain, "grpc-timeout": `${ms}m` });
        entry.timed.set(ms, h);
      }
      return h;
    }
  }
  const h = baseHeaders(o, path, ctx);
  if (remaining !== undefined) h["grpc-timeout"] = formatGrpcTimeout(remaining);
  if (enc !== undefined) h["grpc-encoding"] = enc;
  if (ctx.requestMetadata.size > 0) metadataToHeaders(ctx.requestMetadata, h);
  return h;
}

function baseHeaders(o: ResolvedGrpcTransportOptions, path: string, ctx: ClientCallContext): http2.OutgoingHttpHeaders {
  return {
    ":method": "POST",
    ":scheme": o.target.secure ? "https" : "http",
    ":authority": o.target.authority,
    ":path": path,
    "content-type": grpcContentType(ctx.method),
    te: "trailers",
    "user-agent": USER_AGENT,
    "grpc-accept-encoding": o.acceptEncoding,
  };
}
