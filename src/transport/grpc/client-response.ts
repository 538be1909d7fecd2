import type { IncomingHttpHeaders } from "node:http2";
import { Code, Metadata, RpcError, codeFromHttpStatus, codeFromWire } from "../../core/index.js";
import { metadataFromHeaders } from "./headers.js";
import { decodeGrpcMessage } from "./status.js";

/** True for `application/grpc`, `application/grpc+proto`, `application/grpc;charset=…`. */
export function isGrpcContentType(value: string | undefined): boolean {
  if (value === undefined || !value.startsWith("application/grpc")) return false;
  const next = value.charCodeAt(16);
  return Number.isNaN(next) || next === 0x2b /* + */ || next === 0x3b /* ; */;
}

/**
 * Why response headers (that are not trailers-only) rule out a gRPC response, or undefined when
 * they are fine: a non-200 HTTP status maps as gRPC's http-grpc-status-mapping.md says, and a
 * 200 with another content type is UNKNOWN.
 */
export function checkResponseHeaders(headers: IncomingHttpHeaders): RpcError | undefined {
  const status = headers[":status"] as unknown as number | undefined;
  if (status !== 200) {
    const code = codeFromHttpStatus(status ?? 0);
    return new RpcError(code, `server answered HTTP status ${status} instead of a gRPC response`);
  }
  const ct = headers["content-type"];
  if (!isGrpcContentType(ct)) {
    return new RpcError(Code.Unknown, `server answered content-type "${ct ?? ""}" instead of application/grpc`);
  }
  return undefined;
}

/**
 * The call's outcome from trailers (or trailers-only headers): null for OK, else an RpcError whose
 * metadata holds the trailers. User metadata is appended to `into`.
 */
export function statusFromTrailers(trailers: IncomingHttpHeaders, into: Metadata, maxMetadataBytes: number): RpcError | null {
  try {
    into.merge(metadataFromHeaders(trailers, maxMetadataBytes));
  } catch (e) {
    return RpcError.from(e, Code.ResourceExhausted);
  }
  const raw = trailers["grpc-status"];
  if (raw === undefined) {
    const http = trailers[":status"] as unknown as number | undefined;
    if (http !== undefined && http !== 200) return new RpcError(codeFromHttpStatus(http), `server answered HTTP status ${http}`, { metadata: into });
    return new RpcError(Code.Unknown, "server ended the call without a grpc-status", { metadata: into });
  }
  if (raw === "0") return null;
  const text = Array.isArray(raw) ? raw[0]! : String(raw);
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  const code = Number.isNaN(n) ? Code.Unknown : codeFromWire(n);
  if (code === Code.Ok) return null;
  const m = trailers["grpc-message"];
  const message = decodeGrpcMessage(Array.isArray(m) ? m[0] : m);
  return new RpcError(code, Number.isNaN(n) ? `invalid grpc-status "${text}"` : message, { metadata: into });
}
