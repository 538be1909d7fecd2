import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { Code, RpcError } from "../../core/index.js";
import type { Route, Router } from "../../rpc/index.js";
import { kitexGrpcRoute } from "./thrift-compat.js";
import { ACCEPT_ENCODING_HEADER, InflateGate, isSupportedEncoding } from "./compression.js";
import { ServerCall, type CallEnv, type CallStart } from "./server-call.js";
import { resolveGrpcServerOptions, type GrpcServerOptions, type ResolvedGrpcServerOptions } from "./server-options.js";
import { respondHttp, respondTrailersOnly } from "./server-send.js";
import { statusMessage } from "./status.js";
import { parseGrpcTimeout } from "./timeout.js";

/**
 * The gRPC protocol on HTTP/2 streams, independent of how connections arrive: give it every
 * stream of an `http2` server (`http2Server.on("stream", engine.handleStream)`). It checks the
 * request headers, routes by `:path`, and runs each call (see `ServerCall`).
 *
 * @example
 * const engine = new GrpcServerEngine(router, { limits: { maxReceiveMessageBytes: 1 << 20 } });
 * http2.createServer().on("stream", engine.handleStream).listen(50051);
 */
export class GrpcServerEngine implements CallEnv {
  readonly options: ResolvedGrpcServerOptions;
  readonly calls = new Set<ServerCall>();
  /** Request messages inflating in the thread pool, and waiting to (`options.decompression`). */
  readonly inflateGate: InflateGate;
  /** Response bytes written and not yet taken by HTTP/2, counted against `maxSendBufferBytes`. */
  readonly sendBuffer = { bytes: 0 };

  /** `options` may be already resolved: resolving is idempotent. */
  constructor(private readonly router: Router, options: GrpcServerOptions = {}) {
    this.options = resolveGrpcServerOptions(options);
    this.inflateGate = new InflateGate(this.options.decompression);
  }

  /** Handle one HTTP/2 stream (bound: pass it to `on("stream")` as it is). */
  readonly handleStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags?: number, rawHeaders?: string[]): void => {
    stream.on("error", ignore); // errors surface as 'close'; without a listener they would throw
    const start = this.check(stream, headers);
    if (start === undefined) return;
    const route = this.router.lookup(headers[":path"]!) ?? kitexGrpcRoute(this.router, headers[":path"]!);
    if (route === undefined) return reject(stream, start.contentType, this.unimplemented(headers[":path"]));
    if (start.contentType.length !== 16 && !servesSubtype(start.contentType, route.service.idl)) return refuseSubtype(stream, start.contentType, route);
    new ServerCall(this, stream, route, rawHeaders ?? flatten(headers), start).begin();
  };

  /** Calls in flight. */
  get activeCalls(): number {
    return this.calls.size;
  }

  /** Cancel every call in flight with `err` (sent to each client that can still receive it). */
  cancelAll(err: RpcError): void {
    for (const call of [...this.calls]) call.cancel(err);
  }

  /** Validate the request headers; on failure the stream is answered and undefined returned. */
  private check(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): CallStart | undefined {
    if (headers[":method"] !== "POST") {
      respondHttp(stream, 405, { allow: "POST" });
      return undefined;
    }
    const contentType = headers["content-type"];
    if (!isGrpcContentType(contentType)) {
      respondHttp(stream, 415, {});
      return undefined;
    }
    const max = this.options.limits.maxMetadataBytes;
    const size = headerBytes(headers);
    if (size > max) {
      return void reject(stream, contentType, new RpcError(Code.ResourceExhausted, `request metadata of ${size} bytes exceeds the limit of ${max} bytes`));
    }
    const encoding = headers["grpc-encoding"] as string | undefined;
    if (encoding !== undefined && encoding !== "identity" && !isSupportedEncoding(encoding)) {
      const err = new RpcError(Code.Unimplemented, `grpc-encoding "${encoding}" is not supported (supported: ${ACCEPT_ENCODING_HEADER})`);
      return void reject(stream, contentType, err, { "grpc-accept-encoding": ACCEPT_ENCODING_HEADER });
    }
    let deadline: number | undefined;
    const timeout = headers["grpc-timeout"] as string | undefined;
    if (timeout !== undefined) {
      const ms = parseGrpcTimeout(timeout);
      if (ms === undefined) return void reject(stream, contentType, new RpcError(Code.Internal, `malformed grpc-timeout "${timeout}"`));
      deadline = Date.now() + ms;
    }
    return { contentType, requestEncoding: encoding ?? "identity", acceptEncoding: headers["grpc-accept-encoding"] as string | undefined, deadline };
  }

  private unimplemented(path: string | undefined): RpcError {
    const m = /^\/([^/]+)\/([^/]+)$/.exec(path ?? "");
    if (m === null) return new RpcError(Code.Unimplemented, `malformed method path "${path ?? ""}"`);
    if (!this.router.hasService(m[1]!)) return new RpcError(Code.Unimplemented, `unknown service ${m[1]}`);
    return new RpcError(Code.Unimplemented, `unknown method ${m[2]} of service ${m[1]}`);
  }
}

/** Header fields as `[name, value, …]` from a header object, for callers without raw headers. */
function flatten(headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const key in headers) {
    const v = headers[key];
    if (v === undefined) continue;
    if (typeof v === "string") out.push(key, v);
    else for (const one of v) out.push(key, one);
  }
  return out;
}

/**
 * Whether a method of `idl` can be called with `contentType` (`application/grpc…`, checked): the
 * bare type, or the subtype of its payloads, `+proto` for Protobuf and `+thrift` for Thrift (as
 * Kitex sends); parameters after `;` do not matter. Any other subtype (`+json`) would be read as
 * the method's own payload format and misread.
 */
function servesSubtype(contentType: string, idl: "proto" | "thrift"): boolean {
  if (contentType.charCodeAt(16) !== 0x2b /* + */) return true;
  const end = contentType.indexOf(";", 17);
  const subtype = contentType.slice(17, end === -1 ? undefined : end).trim();
  return subtype === (idl === "thrift" ? "thrift" : "proto");
}

/**
 * A content subtype the method cannot be read in: HTTP 415, as gRPC's PROTOCOL-HTTP2 asks for a
 * content type it does not serve, with a gRPC status (UNIMPLEMENTED) for gRPC clients.
 */
function refuseSubtype(stream: ServerHttp2Stream, contentType: string, route: Route): void {
  const thrift = route.service.idl === "thrift";
  const want = thrift ? "application/grpc or application/grpc+thrift" : "application/grpc or application/grpc+proto";
  const message = `content-type "${contentType}" is not served for method ${route.method.path} (${thrift ? "Thrift" : "Protobuf"}): send ${want}`;
  respondHttp(stream, 415, { "content-type": "application/grpc", "grpc-status": String(Code.Unimplemented), "grpc-message": statusMessage(message) });
}

function isGrpcContentType(ct: string | undefined): ct is string {
  if (ct === undefined || !ct.startsWith("application/grpc")) return false;
  if (ct.length === 16) return true;
  const c = ct.charCodeAt(16);
  return c === 0x2b /* + */ || c === 0x3b /* ; */;
}

/** Bytes of the request headers as HPACK counts them (name + value + 32 per field). */
function headerBytes(headers: IncomingHttpHeaders): number {
  let n = 0;
  for (const key in headers) {
    const v = headers[key];
    if (v === undefined) continue;
    if (typeof v === "string") n += key.length + v.length + 32;
    else for (const one of v) n += key.length + one.length + 32;
  }
  return n;
}

/** A trailers-only gRPC error response. */
function reject(stream: ServerHttp2Stream, contentType: string, err: RpcError, extra?: Record<string, string>): void {
  respondTrailersOnly(stream, contentType, err, undefined, undefined, extra);
}

function ignore(): void {}
