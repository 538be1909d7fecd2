import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, RpcError, codeName, httpStatusOf } from "../../core/index.js";

/** The JSON body of an error answer: `{ "error": { "code": 3, "status": "INVALID_ARGUMENT", "message": "…" } }`. */
export function errorBody(e: unknown): { error: { code: number; status: string; message: string } } {
  const err = RpcError.from(e, Code.Internal);
  return { error: { code: err.code, status: codeName(err.code), message: err.rawMessage } };
}

/** Answer an error as HTTP status (from its code) with a JSON body; a no-op once the head was sent. */
export function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const err = RpcError.from(e, Code.Internal);
  sendJson(res, httpStatusOf(err.code), errorBody(err));
}

/** Answer JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(text);
}

/**
 * Read a request body as UTF-8 text, up to `maxBytes`.
 *
 * @throws RpcError RESOURCE_EXHAUSTED past the limit, CANCELLED if the client goes away.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) throw new RpcError(Code.ResourceExhausted, `request body of ${declared} bytes exceeds ${maxBytes}`);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new RpcError(Code.ResourceExhausted, `request body exceeds ${maxBytes} bytes`);
      parts.push(chunk);
    }
  } catch (e) {
    throw RpcError.from(e, Code.Canceled);
  }
  return Buffer.concat(parts).toString("utf8");
}

/** Parse a JSON object body. @throws RpcError INVALID_ARGUMENT when it is not a JSON object. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new RpcError(Code.InvalidArgument, `request body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new RpcError(Code.InvalidArgument, "request body must be a JSON object");
  return v as Record<string, unknown>;
}

/**
 * An AbortSignal that fires when the client goes away before the response finished (the
 * response's `close` before `writableFinished`).
 */
export function disconnectSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort(new RpcError(Code.Canceled, "HTTP client disconnected"));
  });
  return controller.signal;
}
