import { thriftMethodOf, type ThriftMethod } from "../../codec/thrift/index.js";
import { Code, Metadata, RpcError } from "../../core/index.js";
import { ServerContext, beginServerCall, endServerCall, invokeRoute, untilAborted, unwrapOutgoing, type Route, type ServerCalls } from "../../rpc/index.js";
import { IntKey, LOG_ID_METADATA, StrKey } from "../ttheader/keys.js";
import { AppExceptionType, appExceptionFromError, encodeAppException, type AppException } from "./app-exception.js";
import { bizErrorKeys } from "../ttheader/biz-error.js";
import { repliesCompressed, wrapCompressedReply, wrapReply, type EnvelopeMeta } from "./envelope.js";
import { metadataFromStringKeys, metadataToStringKeys } from "./metadata.js";
import { MessageType, writeMessageHeader } from "./message.js";
import type { ThriftRoutes } from "./routes.js";
import type { ReplyUnit } from "./server-connection.js";
import type { WireMessage } from "./wire.js";

/** Settings the dispatcher reads on every message. */
export interface DispatchEnv {
  readonly routes: ThriftRoutes;
  readonly log: (message: string) => void;
}

/** Key in `ctx.values` under which a handler finds the received envelope's key-value headers. */
export const THRIFT_ENVELOPE = Symbol.for("weir.thrift.envelope");

/**
 * Run one received Thrift message: find the route, decode the Args, call the handler with a
 * context (deadline from TTHeader RPCTimeout or the THeader `client_timeout` header), and build
 * the reply: REPLY with the Result struct (success or declared exception), REPLY with an empty
 * Result and `biz-*` keys for a Kitex business error on TTHeader, else EXCEPTION with a
 * TApplicationException (UNKNOWN_METHOD, INTERNAL_ERROR, PROTOCOL_ERROR). Oneway calls get nothing.
 * A streaming method cannot be called this way: UNKNOWN_METHOD, saying to call it over gRPC.
 */
export async function dispatchMessage(env: DispatchEnv, msg: WireMessage, peer: string, calls: ServerCalls): Promise<ReplyUnit | undefined> {
  const { header } = msg;
  const oneway = header.type === MessageType.Oneway;
  if (header.type !== MessageType.Call && !oneway) {
    return exception(msg, { type: AppExceptionType.InvalidMessageType, message: `unexpected message type ${header.type}` });
  }
  const route = env.routes.find(serviceNameOf(msg), header.name);
  const wire = route && thriftMethodOf(route.method);
  if (!route || !wire) {
    if (oneway) return undefined;
    return exception(msg, { type: AppExceptionType.UnknownMethod, message: `unknown method ${header.name}` });
  }
  if (route.method.kind !== "unary") {
    const message = `${header.name} is a ${STREAMING[route.method.kind]} method: call it over gRPC; ${protocolName(msg)} carries unary and oneway calls only`;
    if (oneway) return void env.log(`thrift: ${message} (oneway call from ${peer} dropped)`);
    return exception(msg, { type: AppExceptionType.UnknownMethod, message });
  }
  let request: unknown;
  try {
    request = wire.decodeArgs(msg.protocol, msg.message, header.bodyOffset);
  } catch (e) {
    const err = RpcError.from(e);
    if (oneway) return void env.log(`thrift: bad arguments to oneway ${header.name} from ${peer}: ${err.rawMessage}`);
    return exception(msg, { type: AppExceptionType.ProtocolError, message: err.rawMessage });
  }
  return invoke(env, msg, route, wire, request, peer, oneway, calls);
}

const STREAMING = Object.freeze({ client: "client-streaming", server: "server-streaming", bidi: "bidirectional streaming" });

async function invoke(
  env: DispatchEnv, msg: WireMessage, route: Route, wire: ThriftMethod, request: unknown, peer: string, oneway: boolean,
  calls: ServerCalls,
): Promise<ReplyUnit | undefined> {
  const ctx = new ServerContext({
    method: route.method, requestMetadata: requestMetadata(msg), peer, protocol: protocolName(msg), timeoutMs: timeoutOf(msg),
  });
  ctx.values.set(THRIFT_ENVELOPE, msg);
  calls.add(ctx);
  beginServerCall(ctx);
  let failed: RpcError | undefined;
  try {
    const value = unwrapOutgoing(await untilAborted(invokeRoute(route, request, ctx), ctx));
    if (oneway) return undefined;
    return reply(msg, MessageType.Reply, wire.encodeSuccess(msg.protocol, value), responseMeta(ctx));
  } catch (e) {
    const declared = oneway ? undefined : wire.encodeDeclared(msg.protocol, e); // a declared exception is a reply
    if (declared) return reply(msg, MessageType.Reply, declared, responseMeta(ctx));
    failed = RpcError.from(e, Code.Unknown);
    if (oneway) return void env.log(`thrift: oneway ${msg.header.name} from ${peer} failed: ${failed.rawMessage}`);
    return errorReply(msg, wire, failed, ctx);
  } finally {
    calls.delete(ctx);
    endServerCall(ctx, failed);
  }
}

/** The error writer of Thrift: Kitex biz-error keys on TTHeader, else a TApplicationException. */
function errorReply(msg: WireMessage, wire: ThriftMethod, err: RpcError, ctx: ServerContext): ReplyUnit | Promise<ReplyUnit> {
  const biz = bizErrorKeys(err);
  if (biz && msg.kind === "ttheader") {
    const meta = responseMeta(ctx);
    const strInfo = new Map(meta.strInfo);
    for (const [k, v] of biz) strInfo.set(k, v);
    return reply(msg, MessageType.Reply, wire.emptyResult(msg.protocol), { strInfo });
  }
  return exception(msg, appExceptionFromError(err), responseMeta(ctx));
}

/** An EXCEPTION reply carrying a TApplicationException. */
function exception(msg: WireMessage, e: AppException, meta?: EnvelopeMeta): ReplyUnit | Promise<ReplyUnit> {
  return reply(msg, MessageType.Exception, encodeAppException(msg.protocol, e), meta);
}

function reply(msg: WireMessage, type: number, body: Uint8Array, meta?: EnvelopeMeta): ReplyUnit | Promise<ReplyUnit> {
  const message = Buffer.concat([writeMessageHeader(msg.protocol, msg.header.name, type, msg.header.seqId), body]);
  if (repliesCompressed(msg)) return wrapCompressedReply(msg, message, meta).then((parts) => ({ parts }));
  return { parts: wrapReply(msg, message, type, meta) };
}

function serviceNameOf(msg: WireMessage): string | undefined {
  return msg.ttheader?.strInfo.get(StrKey.IdlServiceName) ?? msg.theader?.headers.get(StrKey.IdlServiceName);
}

function timeoutOf(msg: WireMessage): number | undefined {
  const raw = msg.ttheader?.intInfo.get(IntKey.RpcTimeout) ?? msg.theader?.headers.get("client_timeout");
  if (raw === undefined) return undefined;
  const ms = Number(raw);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** The protocol name put on `ctx.protocol`. */
export function protocolName(msg: WireMessage): string {
  switch (msg.kind) {
    case "ttheader": return "ttheader";
    case "theader": return `theader-${msg.protocol}`;
    default: return `thrift-${msg.kind}-${msg.protocol}`;
  }
}

/** String keys (TTHeader) or headers (THeader) as metadata: keys lower-cased, unfit pairs dropped. */
function requestMetadata(msg: WireMessage): Metadata {
  const pairs = msg.ttheader?.strInfo ?? msg.theader?.headers;
  const md = pairs ? metadataFromStringKeys(pairs) : new Metadata(); // a dropped pair is still in ctx.values
  const logId = msg.ttheader?.intInfo.get(IntKey.LogId);
  if (logId !== undefined) try { md.set(LOG_ID_METADATA, logId); } catch { /* not printable */ }
  return md;
}

function responseMeta(ctx: ServerContext): EnvelopeMeta {
  if (ctx.responseHeaders.size === 0 && ctx.responseTrailers.size === 0) return {};
  return { strInfo: metadataToStringKeys(ctx.responseTrailers, metadataToStringKeys(ctx.responseHeaders, new Map())) };
}
