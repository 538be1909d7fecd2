import type http2 from "node:http2";
import { Code, RpcError } from "../../core/index.js";
import type { Call, ClientCallContext, ClientTransport } from "../../rpc/index.js";
import { rpcErrorFromNodeError } from "../node-error.js";
import { ClientCall, type CallShared } from "./client-call.js";
import { resolveGrpcTransportOptions, type ConnectivityState, type GrpcTransportOptions, type ResolvedGrpcTransportOptions } from "./client-options.js";
import { encodeRequest, pumpRequests, writeEnvelope, type Envelope } from "./client-request.js";
import { StreamResponseCall } from "./client-stream.js";
import { UnaryResponseCall } from "./client-unary.js";
import { requestHeaders } from "./request-headers.js";
import { SessionPool, type PoolStats } from "./session-pool.js";
import { StreamPacer, closedWhileWaiting } from "./stream-pacer.js";

/** A gRPC client transport: HTTP/2 connections to one target, shared by every call. */
export interface GrpcTransport extends ClientTransport {
  /** The connection's state (gRPC connectivity semantics). */
  readonly state: ConnectivityState;
  /** Connections open now, streams they carry, and calls waiting for a stream. */
  stats(): PoolStats;
}

/**
 * Create a gRPC transport over node:http2 for `createClient`. The connection opens on the first
 * call and is reused by all; when its server's limit of concurrent streams is reached, another is
 * opened (up to `maxConnections`), and beyond that calls wait, bounded in number
 * (`maxWaitingCalls`) and time (`streamWaitTimeoutMs`), for a free stream. When a connection
 * closes or receives GOAWAY the next call opens a new one; a failed attempt is retried after an
 * exponential backoff, during which calls fail fast with UNAVAILABLE unless `waitForReady` is set.
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
  const startWhenFree = (call: Call<ClientCallContext>) => pool.waitForStream(call.ctx).then((s) => {
    const aborted = call.ctx.scope.reason; // cancelled as its turn came
    if (aborted === undefined) return start(s, call);
    pool.streamEnded(s);
    throw aborted;
  });
  const callOn = (call: Call<ClientCallContext>): Promise<unknown> => {
    const session = pool.acquire();
    if (session === undefined) return startWhenFree(call); // every connection is full
    if (!o.waitForReady) return session instanceof RpcError ? Promise.reject(session) : start(session, call);
    // wait-for-ready: start the stream only on an established connection
    if (!(session instanceof RpcError)) {
      if (!session.connecting) return start(session, call);
      pool.streamEnded(session);
    } else if (pool.state === "shutdown") return Promise.reject(session);
    return pool.whenReady(call.ctx.signal).then(() => callOn(call));
  };
  return {
    protocol: "grpc",
    target: options.target,
    get state() { return pool.state; },
    stats: () => pool.stats(),
    call(call: Call<ClientCallContext>): Promise<unknown> {
      const aborted = call.ctx.scope.reason;
      if (aborted !== undefined) return Promise.reject(aborted);
      const enc = call.ctx.requestEncoding;
      if (enc !== undefined && enc !== "identity" && enc !== "gzip" && enc !== "deflate") {
        return Promise.reject(new RpcError(Code.InvalidArgument, `unsupported compression "${enc}"; use gzip, deflate or identity`));
      }
      return callOn(call);
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
  c.holdSlot(session);
  const result = c instanceof UnaryResponseCall ? c.result : Promise.resolve(c);
  if (streaming) {
    if (open(c, session, headers)) void pumpRequests(c, call.request as AsyncIterable<unknown>, enc, max);
    return result;
  }
  let env: Envelope | Promise<Envelope>;
  try {
    env = encodeRequest(method, call.request, enc, max);
  } catch (e) {
    c.fail(e); // gives the stream slot back
    return result;
  }
  if (env instanceof Promise) {
    return env.then((e) => {
      send(pacer, c, session, headers, e);
      return result;
    }, (e: unknown) => {
      c.fail(e);
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
  const pool = call.shared.pool;
  const again = pool.acquire();
  if (again === undefined || again instanceof RpcError) return false;
  if (again.destroyed || again.closed) {
    pool.streamEnded(again);
    return false;
  }
  call.holdSlot(again);
  if (open(call, again, call.sentHeaders!)) writeEnvelope(call.stream!, call.sentEnvelope!, true);
  return true;
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
