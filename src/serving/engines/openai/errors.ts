// An upstream's HTTP failure as an RpcError: the code a caller acts on, the upstream's message,
// and its retry hint kept as `retry-after` metadata (the gateway turns it back into Retry-After).
import { Code, Metadata, RpcError } from "../../../core/index.js";
import { errorMessage } from "./wire.js";

/** 429 RESOURCE_EXHAUSTED, 5xx UNAVAILABLE, 400/422 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 408 DEADLINE_EXCEEDED, else UNKNOWN. */
export function codeOfUpstreamStatus(status: number): Code {
  if (status === 429) return Code.ResourceExhausted;
  if (status >= 500) return Code.Unavailable;
  switch (status) {
    case 400: case 413: case 422: return Code.InvalidArgument;
    case 401: return Code.Unauthenticated;
    case 403: return Code.PermissionDenied;
    case 404: return Code.NotFound;
    case 408: return Code.DeadlineExceeded;
    default: return Code.Unknown;
  }
}

/** The error for a non-2xx answer; `body` is its text (already bounded), JSON or not. */
export function upstreamStatusError(status: number, retryAfter: string | null, body: string, url: string): RpcError {
  let message = body.trim();
  try {
    message = errorMessage(JSON.parse(body));
  } catch {
    message = message.length > 300 ? `${message.slice(0, 300)}…` : message;
  }
  const metadata = new Metadata();
  if (retryAfter !== null && /^\d{1,6}$/.test(retryAfter.trim())) metadata.set("retry-after", retryAfter.trim());
  else if (status === 429 || status === 503) metadata.set("retry-after", "1");
  return new RpcError(codeOfUpstreamStatus(status), `the upstream ${url} answered HTTP ${status}${message === "" ? "" : `: ${message}`}`, { metadata });
}

/** A failure to reach the upstream or read from it (refused, reset, timed out) as UNAVAILABLE or DEADLINE_EXCEEDED. */
export function upstreamNetworkError(e: unknown, url: string, timedOut: string | undefined): RpcError {
  if (timedOut !== undefined) return new RpcError(Code.DeadlineExceeded, `the upstream ${url} ${timedOut}`, { cause: e });
  if (e instanceof RpcError) return e;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (e as Error).message ?? String(e);
  return new RpcError(Code.Unavailable, `the upstream ${url} is unreachable: ${why}`, { cause: e, metadata: new Metadata({ "retry-after": "1" }) });
}
