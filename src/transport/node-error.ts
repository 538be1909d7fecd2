import { Code, RpcError } from "../core/index.js";

/** Node error codes that mean "the peer could not be reached or went away": gRPC's UNAVAILABLE. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA",
  "EAI_NONAME", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "EHOSTDOWN", "ENETUNREACH", "ENETDOWN", "ENOENT",
  "EADDRNOTAVAIL", "ERR_SOCKET_CLOSED", "ERR_HTTP2_GOAWAY_SESSION", "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_SOCKET_UNBOUND", "ERR_HTTP2_PING_CANCEL", "ERR_HTTP2_SESSION_ERROR", "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_TLS_CERT_ALTNAME_INVALID", "ERR_TLS_HANDSHAKE_TIMEOUT", "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT", "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "CERT_UNTRUSTED", "CERT_REJECTED",
  "ERR_HTTP2_ERROR", "ERR_HTTP2_STREAM_CANCEL",
]);

/** HTTP/2 error codes (RFC 9113 section 7) as gRPC maps them when they reset a stream. */
export function codeFromHttp2Error(h2code: number): Code {
  switch (h2code) {
    case 0x7: return Code.Unavailable; // REFUSED_STREAM: the server did not process the call
    case 0x8: return Code.Canceled; // CANCEL
    case 0xb: return Code.ResourceExhausted; // ENHANCE_YOUR_CALM
    case 0xc: return Code.PermissionDenied; // INADEQUATE_SECURITY
    default: return Code.Internal; // NO_ERROR without a status, PROTOCOL_ERROR, INTERNAL_ERROR, ...
  }
}

const H2_NAMES = [
  "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
  "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
];

/** The RFC name of an HTTP/2 error code (`REFUSED_STREAM`). */
export function http2ErrorName(h2code: number): string {
  return H2_NAMES[h2code] ?? `0x${h2code.toString(16)}`;
}

/**
 * Turn an error thrown by node:net, node:tls, node:dns or node:http2 into an RpcError: connection
 * and TLS failures are UNAVAILABLE, anything unrecognised gets `fallback`. An RpcError passes through.
 */
export function rpcErrorFromNodeError(e: unknown, fallback: Code = Code.Internal): RpcError {
  if (e instanceof RpcError) return e;
  const err = e as (Error & { code?: unknown }) | undefined;
  const code = typeof err?.code === "string" ? err.code : "";
  const message = err instanceof Error ? err.message : String(e);
  // a stream cancelled because its connection failed: the connection's error says why
  if (code === "ERR_HTTP2_STREAM_CANCEL" && (err as { cause?: unknown }).cause !== undefined) {
    const inner = rpcErrorFromNodeError((err as { cause?: unknown }).cause, Code.Unavailable);
    return new RpcError(inner.code, inner.rawMessage, { cause: e });
  }
  if (code === "ABORT_ERR" || err?.name === "AbortError") return new RpcError(Code.Canceled, message, { cause: e });
  if (UNAVAILABLE_CODES.has(code) || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) {
    return new RpcError(Code.Unavailable, message, { cause: e });
  }
  return new RpcError(fallback, message, { cause: e });
}

/** The CANCELLED error a server call gets when its stream closes before the status was sent. */
export function cancelledByPeer(rstCode: number | undefined): RpcError {
  const why = rstCode === 0x8 ? "the client cancelled the call"
    : rstCode === undefined || rstCode === 0 ? "the stream closed before the call finished"
    : `the stream was reset (${http2ErrorName(rstCode)})`;
  return new RpcError(Code.Canceled, why);
}
