import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Code, Metadata, RpcError, clip, codeName, httpStatusOf } from "../core/index.js";

/** The JSON of an error: `{ code, status, message }` (gRPC code, its name, the message), plus `details` when there are any. */
export function errorJson(e: unknown): Record<string, unknown> {
  const err = RpcError.from(e, Code.Internal);
  const out: Record<string, unknown> = { code: err.code, status: codeName(err.code), message: err.rawMessage };
  if (err.details.length > 0) out["details"] = err.details;
  return out;
}

/** Answer with JSON; `extra` headers are added. */
export function sendJson(res: ServerResponse, status: number, body: unknown, extra?: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...extra });
  res.end(text);
}

/** Answer an error: its HTTP status (`httpStatusOf`, 413 for a body over the limit) and `{ "error": { code, status, message } }`; 429 carries `Retry-After`. */
export function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const err = RpcError.from(e, Code.Internal);
  sendJson(res, errorStatus(err), { error: errorJson(err) }, errorHeaders(err));
}

const tooLarge = new WeakSet<RpcError>();

/** RESOURCE_EXHAUSTED for a request body over the gateway's limit; answered with HTTP 413, not 429. */
export function bodyTooLarge(message: string): RpcError {
  const err = new RpcError(Code.ResourceExhausted, message);
  tooLarge.add(err);
  return err;
}

/** Whether `e` is the error of a request body over the limit (see `bodyTooLarge`). */
export function isBodyTooLarge(e: unknown): boolean {
  return e instanceof RpcError && tooLarge.has(e);
}

/** The HTTP status of an error: `httpStatusOf(code)`, except 413 for a body over the limit. */
export function errorStatus(err: RpcError): number {
  return tooLarge.has(err) ? 413 : httpStatusOf(err.code);
}

/**
 * Seconds to wait before retrying, from the error's `retry-after` (seconds) or `retry-after-ms`
 * metadata (rounded up), as set by limiters; undefined without a valid hint.
 */
export function retryAfterSeconds(err: RpcError): number | undefined {
  const s = err.metadata.getString("retry-after");
  if (s !== undefined && /^\d{1,9}$/.test(s.trim())) return Number(s);
  const ms = err.metadata.getString("retry-after-ms");
  if (ms !== undefined && /^\d{1,12}$/.test(ms.trim())) return Math.ceil(Number(ms) / 1000);
  return undefined;
}

/** Extra headers of an error response: `Retry-After` on RESOURCE_EXHAUSTED with a retry hint (and on UNAVAILABLE with one). */
export function errorHeaders(err: RpcError): Record<string, string> | undefined {
  if (err.code !== Code.ResourceExhausted && err.code !== Code.Unavailable) return undefined;
  if (tooLarge.has(err)) return undefined;
  const s = retryAfterSeconds(err);
  return s === undefined ? undefined : { "retry-after": String(s) };
}

/** Read the whole body, at most `maxBytes` (RESOURCE_EXHAUSTED beyond), as text. */
export async function readBodyText(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (declared > maxBytes) throw bodyTooLarge(`request body of ${declared} bytes exceeds the limit of ${maxBytes}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw bodyTooLarge(`request body exceeds the limit of ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The body as JSON; empty -> undefined; RpcError INVALID_ARGUMENT for bad JSON, JSON nested deeper
 * than `maxDepth`, or a non-JSON content type.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, maxDepth: number): Promise<unknown> {
  const type = req.headers["content-type"];
  const text = await readBodyText(req, maxBytes);
  if (text.trim() === "") return undefined;
  if (type !== undefined && !/^application\/([\w.+-]*\+)?json\b|^text\/plain\b/i.test(type)) {
    throw new RpcError(Code.InvalidArgument, `request body must be JSON, not ${type.slice(0, 60)}`);
  }
  return parseJson(text, maxDepth, "request body");
}

/**
 * JSON text -> value; INVALID_ARGUMENT (naming `what`) when it is not JSON or nests arrays and
 * objects deeper than `maxDepth`, checked before parsing so that no walk of the value can overflow.
 */
export function parseJson(text: string, maxDepth: number, what: string): unknown {
  if (nestsDeeperThan(text, maxDepth)) throw new RpcError(Code.InvalidArgument, `${what} nests deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RpcError(Code.InvalidArgument, `${what} is not valid JSON: ${clip((e as Error).message, 100)}`);
  }
}

/** Whether JSON text opens more than `max` arrays and objects at once; one pass, strings skipped. @internal */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = stringEnd(text, i);
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The index of the quote that closes the string opened at `open` (or the text's end). */
function stringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}

/** Forwarded headers -> metadata; a value metadata cannot hold is INVALID_ARGUMENT. */
export function metadataFrom(headers: IncomingHttpHeaders, names: readonly string[], prefix: string): Metadata {
  const md = new Metadata();
  for (const [name, value] of Object.entries(headers)) {
    let key: string | undefined;
    if (names.includes(name)) key = name;
    else if (prefix !== "" && name.startsWith(prefix) && name.length > prefix.length) key = name.slice(prefix.length);
    if (key === undefined || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      try {
        if (key.endsWith("-bin")) md.append(key, new Uint8Array(Buffer.from(v, "base64")));
        else md.append(key, v);
      } catch (e) {
        throw new RpcError(Code.InvalidArgument, `header ${name} cannot be sent as metadata: ${(e as Error).message}`);
      }
    }
  }
  return md;
}

const GRPC_UNITS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The request timeout in ms from `header` (ms) or `grpc-timeout`; undefined without one; INVALID_ARGUMENT when malformed or above `max`. */
export function timeoutFrom(headers: IncomingHttpHeaders, header: string, max: number): number | undefined {
  const raw = headers[header];
  const grpc = headers["grpc-timeout"];
  let ms: number | undefined;
  if (typeof raw === "string") {
    if (!/^\d{1,10}$/.test(raw.trim())) throw new RpcError(Code.InvalidArgument, `${header} must be a whole number of ms, got "${raw.slice(0, 20)}"`);
    ms = Number(raw);
  } else if (typeof grpc === "string") {
    const m = /^(\d{1,8})([HMSmun])$/.exec(grpc.trim());
    if (!m) throw new RpcError(Code.InvalidArgument, `grpc-timeout must look like "500m" or "2S", got "${grpc.slice(0, 20)}"`);
    ms = Math.ceil(Number(m[1]) * GRPC_UNITS[m[2]!]!);
  }
  if (ms !== undefined && ms > max) throw new RpcError(Code.InvalidArgument, `timeout of ${ms} ms exceeds the limit of ${max} ms`);
  return ms;
}

/** An AbortController aborted (CANCELLED) when the response closes before it finished: the client left. */
export function disconnectController(res: ServerResponse): AbortController {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished && !controller.signal.aborted) controller.abort(new RpcError(Code.Canceled, "the HTTP client went away"));
  });
  return controller;
}
