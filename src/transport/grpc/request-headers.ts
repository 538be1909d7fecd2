import type http2 from "node:http2";
import type { ClientCallContext } from "../../rpc/index.js";
import { grpcContentType } from "./thrift-compat.js";
import { USER_AGENT, type ResolvedGrpcTransportOptions } from "./client-options.js";
import { metadataToHeaders } from "./headers.js";
import { formatGrpcTimeout, grpcTimeoutWholeMs } from "./timeout.js";

/** Methods whose request headers a transport keeps, and timeouts per method (bounds on memory). */
const MAX_CACHED_PATHS = 256;
const MAX_TIMEOUTS_PER_PATH = 16;

/** @internal The request headers of one method: without a timeout, and by whole ms of timeout. */
export interface CachedHeaders {
  readonly contentType: string;
  readonly plain: http2.OutgoingHttpHeaders;
  readonly timed: Map<number, http2.OutgoingHttpHeaders>;
}

/**
 * @internal The request headers of a call. A call with no compression or metadata sends its method's headers unchanged but for grpc-timeout,
 * whose value repeats for calls made with the same time limit: such header objects are built once
 * per method and whole millisecond of timeout, and reused (node:http2 copies the object it is given
 * and never changes it).
 */
export function requestHeaders(
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
    const ms = grpcTimeoutWholeMs(remaining);
    if (ms !== undefined) {
      let h = entry.timed.get(ms);
      if (h === undefined) {
        if (entry.timed.size >= MAX_TIMEOUTS_PER_PATH) entry.timed.clear(); // deadlines counting down make many
        h = Object.freeze({ ...entry.plain, "grpc-timeout": formatGrpcTimeout(remaining) });
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
