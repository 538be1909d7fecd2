import type { OutgoingHttpHeaders } from "node:http2";
import type { Metadata } from "../../core/index.js";

/** Headers the protocol owns; they never appear in user metadata. */
const RESERVED = new Set([
  "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status",
  "grpc-message", "grpc-status-details-bin", "content-length", "connection", "host",
  "accept-encoding", "user-agent",
]);

export function isReservedHeader(key: string): boolean {
  return key.charCodeAt(0) === 0x3a /* ':' */ || RESERVED.has(key);
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
