import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import { Code, Metadata, RpcError } from "../../core/index.js";

/** Headers the protocol owns; they never appear in user metadata. */
const RESERVED = new Set([
  "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status",
  "grpc-message", "grpc-status-details-bin", "content-length", "connection", "host",
  "accept-encoding", "user-agent",
]);

export function isReservedHeader(key: string): boolean {
  return key.charCodeAt(0) === 0x3a /* ':' */ || RESERVED.has(key);
}

/** User metadata from received HTTP/2 headers; `-bin` values are base64-decoded. */
export function metadataFromHeaders(headers: IncomingHttpHeaders, maxBytes?: number): Metadata {
  const md = new Metadata();
  let size = 0;
  for (const key in headers) {
    const raw = headers[key];
    if (raw === undefined) continue;
    if (maxBytes !== undefined) size += sizeOf(key, raw);
    if (isReservedHeader(key)) continue;
    const values = Array.isArray(raw) ? raw : String(raw).split(key.endsWith("-bin") ? "," : "\0");
    try {
      for (const v of values) md.append(key, key.endsWith("-bin") ? Buffer.from(v.trim(), "base64") : v);
    } catch {
      // a header that is not valid metadata (upper-case or non-ASCII) is dropped, as grpc-js does
    }
  }
  if (maxBytes !== undefined && size > maxBytes) {
    throw new RpcError(Code.ResourceExhausted, `metadata of ${size} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  return md;
}

/** Writes user metadata into outgoing HTTP/2 headers (`-bin` values base64 without padding). */
export function metadataToHeaders(md: Metadata, into: OutgoingHttpHeaders): OutgoingHttpHeaders {
  for (const key of md.keys()) {
    if (isReservedHeader(key)) continue;
    const values = md.getAll(key).map((v) => (typeof v === "string" ? v : Buffer.from(v).toString("base64").replace(/=+$/, "")));
    into[key] = values.length === 1 ? values[0]! : values;
  }
  return into;
}

function sizeOf(key: string, value: string | string[]): number {
  if (Array.isArray(value)) return value.reduce((n, v) => n + key.length + v.length + 32, 0);
  return key.length + value.length + 32;
}
