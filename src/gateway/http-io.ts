import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { StringDecoder } from "node:string_decoder";
import { Code, Metadata, RpcError, codeName, httpStatusOf } from "../core/index.js";

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

/**
 * Read the whole body, at most `maxBytes` (RESOURCE_EXHAUSTED beyond), as text. `check` sees each
 * decoded piece as it arrives and may throw to stop reading at once; the rest of the body is then
 * discarded, the socket kept for the response (leaving a `for await` loop would destroy it).
 */
export function readBodyText(req: IncomingMessage, maxBytes: number, check?: (piece: string) => void): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (declared > maxBytes) return Promise.reject(bodyTooLarge(`request body of ${declared} bytes exceeds the limit of ${maxBytes}`));
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder("utf8");
    const pieces: string[] = [];
    let size = 0;
    const detach = (): void => void req.off("data", onData).off("end", onEnd).off("error", fail).off("close", onClose);
    const fail = (e: unknown): void => {
      detach();
      req.resume(); // discard the rest
      reject(e);
    };
    const take = (piece: string): void => {
      check?.(piece);
      pieces.push(piece);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      try {
        if (size > maxBytes) throw bodyTooLarge(`request body exceeds the limit of ${maxBytes} bytes`);
        take(decoder.write(chunk));
      } catch (e) {
        fail(e);
      }
    };
    const onEnd = (): void => {
      try {
        take(decoder.end());
      } catch (e) {
        return fail(e);
      }
      detach();
      resolve(pieces.join(""));
    };
    const onClose = (): void => fail(new RpcError(Code.Canceled, "the HTTP client went away while sending the body"));
    req.on("data", onData).once("end", onEnd).once("error", fail).once("close", onClose);
  });
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
