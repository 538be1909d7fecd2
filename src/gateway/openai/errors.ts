import type { ServerResponse } from "node:http";
import { Code, RpcError } from "../../core/index.js";
import { errorHeaders, isBodyTooLarge } from "../http-io.js";

/** An error in OpenAI's shape: `{ "error": { message, type, param, code } }` with its HTTP status. */
export interface OpenAiError {
  readonly status: number;
  readonly body: { error: { message: string; type: string; param: string | null; code: string | null } };
}

/** Build an OpenAI error. */
export function openAiError(status: number, message: string, type: string, param: string | null = null, code: string | null = null): OpenAiError {
  return { status, body: { error: { message, type, param, code } } };
}

/** A 400 `invalid_request_error` about `param`. */
export function invalidRequest(message: string, param: string | null = null, code: string | null = null): OpenAiError {
  return openAiError(400, message, "invalid_request_error", param, code);
}

/** Thrown by request parsing; carries the OpenAI error to answer with. */
export class OpenAiRequestError extends Error {
  constructor(readonly error: OpenAiError) {
    super(error.body.error.message);
  }
}

/**
 * An RpcError (from the model server or the gateway) in OpenAI's shape. NOT_FOUND from a
 * generation is the model: 404 `model_not_found` with `param: "model"`.
 */
export function openAiErrorOf(e: unknown): OpenAiError {
  if (e instanceof OpenAiRequestError) return e.error;
  const err = RpcError.from(e, Code.Internal);
  const m = err.rawMessage;
  if (isBodyTooLarge(err)) return openAiError(413, m, "invalid_request_error", null, "request_too_large");
  switch (err.code) {
    case Code.InvalidArgument: case Code.OutOfRange: case Code.FailedPrecondition:
      return invalidRequest(m);
    case Code.NotFound: return openAiError(404, m, "invalid_request_error", "model", "model_not_found");
    case Code.Unauthenticated: return openAiError(401, m, "authentication_error", null, "invalid_api_key");
    case Code.PermissionDenied: return openAiError(403, m, "permission_error");
    case Code.ResourceExhausted: return openAiError(429, m, "rate_limit_error", null, "rate_limit_exceeded");
    case Code.DeadlineExceeded: return openAiError(504, m, "timeout", null, "timeout");
    case Code.Canceled: return openAiError(499, m, "cancelled");
    case Code.Unavailable: return openAiError(503, m, "server_error", null, "service_unavailable");
    case Code.Unimplemented: return openAiError(501, m, "invalid_request_error", null, "unsupported");
    default: return openAiError(500, m, "server_error");
  }
}

/** Answer with an OpenAI error (or break the connection if the head was sent); a 429 carries `Retry-After` when the error has a retry hint. */
export function sendOpenAiError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, body } = openAiErrorOf(e);
  const text = JSON.stringify(body);
  const extra = e instanceof OpenAiRequestError ? undefined : errorHeaders(RpcError.from(e, Code.Internal));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...extra });
  res.end(text);
}

/** The `data:` event of an error after the stream started (the OpenAI SDKs raise on an `error` key). */
export function errorDataEvent(e: unknown): string {
  const { body } = openAiErrorOf(e);
  return `data: ${JSON.stringify(body)}\n\n`;
}
