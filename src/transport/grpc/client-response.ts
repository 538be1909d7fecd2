import type { IncomingHttpHeaders } from "node:http2";
import { Code, Metadata, RpcError, codeFromHttpStatus, codeFromWire } from "../../core/index.js";
import { isReservedHeader } from "./headers.js";
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

/** Where received metadata goes: the call's context, asked for its maps only when there is some to add. */
export interface ResponseMetadata {
  readonly responseHeaders: Metadata;
  readonly responseTrailers: Metadata;
}

/**
 * The call's outcome from trailers (or trailers-only headers): null for OK, else an RpcError whose
 * metadata holds the trailers. User metadata is appended to `ctx.responseTrailers`.
 */
export function statusFromTrailers(trailers: IncomingHttpHeaders, ctx: ResponseMetadata, maxMetadataBytes: number): RpcError | null {
  const tooBig = appendMetadata(trailers, ctx, true, maxMetadataBytes);
  if (tooBig !== undefined) return tooBig;
  const raw = trailers["grpc-status"];
  if (raw === "0") return null;
  const into = ctx.responseTrailers;
  if (raw === undefined) {
    const http = trailers[":status"] as unknown as number | undefined;
    if (http !== undefined && http !== 200) return new RpcError(codeFromHttpStatus(http), `server answered HTTP status ${http}`, { metadata: into });
    return new RpcError(Code.Unknown, "server ended the call without a grpc-status", { metadata: into });
  }
  const text = Array.isArray(raw) ? raw[0]! : String(raw);
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  const code = Number.isNaN(n) ? Code.Unknown : codeFromWire(n);
  if (code === Code.Ok) return null;
  const m = trailers["grpc-message"];
  const message = decodeGrpcMessage(Array.isArray(m) ? m[0] : m);
  return new RpcError(code, Number.isNaN(n) ? `invalid grpc-status "${text}"` : message, { metadata: into });
}

/**
 * Append the user metadata of received headers to the context's response headers or trailers
 * (`-bin` values base64-decoded); returns RESOURCE_EXHAUSTED when the headers exceed `maxBytes`.
 * Keys that are not valid metadata are dropped. Most responses carry none: the context's map is
 * asked for (and made) only for the first key to add.
 */
export function appendMetadata(headers: IncomingHttpHeaders, ctx: ResponseMetadata, trailers: boolean, maxBytes: number): RpcError | undefined {
  let size = 0;
  let into: Metadata | undefined;
  for (const key in headers) {
    const raw = headers[key];
    if (raw === undefined) continue;
    size += typeof raw === "string" ? key.length + raw.length + 32 : sizeOf(key, raw);
    if (isReservedHeader(key)) continue;
    into ??= trailers ? ctx.responseTrailers : ctx.responseHeaders;
    const bin = key.endsWith("-bin");
    if (!bin && typeof raw === "string" && !raw.includes("\0")) { // the usual case: one text value
      try { into.append(key, raw); } catch { /* not valid metadata: dropped */ }
      continue;
    }
    const values = Array.isArray(raw) ? raw : String(raw).split(bin ? "," : "\0");
    try {
      for (const v of values) into.append(key, bin ? Buffer.from(v.trim(), "base64") : v);
    } catch {
      // not valid metadata (upper case, non-ASCII): dropped
    }
  }
  if (size > maxBytes) return new RpcError(Code.ResourceExhausted, `response metadata of ${size} bytes exceeds the limit of ${maxBytes} bytes`);
  return undefined;
}

function sizeOf(key: string, value: string | string[] | number): number {
  if (Array.isArray(value)) return value.reduce((n, v) => n + key.length + v.length + 32, 0);
  return key.length + String(value).length + 32;
}
