import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, Metadata, RpcError } from "../../core/index.js";
import { bodyTooLarge, errorHeaders, errorStatus, isBodyTooLarge } from "../../gateway/http-io.js";

/**
 * The bytes all REST inference requests hold together: bodies being read and decoded, responses
 * being written. A request takes a lease when it starts; what it reads and writes is added to it;
 * the lease is given back when its response closes. Past the total, new requests are refused
 * (503, `Retry-After: 1`) rather than read: a burst of large bodies cannot take the process's memory.
 * @internal
 */
export class ByteBudget {
  held = 0;
  constructor(readonly max: number) {}

  /** A lease released when `res` closes. */
  lease(res: ServerResponse): Lease {
    const lease = new Lease(this);
    res.once("close", () => lease.release());
    return lease;
  }
}

/** One request's share of a {@link ByteBudget}. @internal */
export class Lease {
  private bytes = 0;
  private released = false;
  constructor(private readonly budget: ByteBudget) {}

  /** Take `n` more bytes; UNAVAILABLE (503, retry after 1 s) when the budget has no room for them. */
  take(n: number): void {
    if (this.budget.held + n > this.budget.max) {
      throw new RpcError(Code.Unavailable, `the server holds ${this.budget.held} bytes of inference requests, its limit is ${this.budget.max}; retry later`, {
        metadata: new Metadata({ "retry-after": "1" }),
      });
    }
    this.add(n);
  }

  /** Count `n` more bytes even past the budget (a response already made must be sent). */
  add(n: number): void {
    if (this.released) return;
    this.bytes += n;
    this.budget.held += n;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.held -= this.bytes;
    this.bytes = 0;
  }
}

export interface ReadBodyOptions {
  readonly maxBytes: number;
  /** Bytes left free before the body in the buffer, so that what follows a header of known length starts 8-aligned. */
  readonly pad: number;
  readonly lease: Lease;
  /** Aborts the read (deadline, client gone). */
  readonly signal: AbortSignal;
}

/**
 * The whole body in one buffer, `pad` bytes after an 8-aligned start (so typed-array views of
 * binary tensors after the JSON header need no copy). 413 (RESOURCE_EXHAUSTED) past `maxBytes`,
 * as soon as Content-Length says so or the bytes arrive; 503 when the lease cannot grow.
 */
export function readBody(req: IncomingMessage, o: ReadBodyOptions): Promise<Buffer> {
  const declared = req.headers["content-length"] === undefined ? undefined : Number(req.headers["content-length"]);
  if (declared !== undefined && declared > o.maxBytes) return Promise.reject(bodyTooLarge(`request body of ${declared} bytes exceeds the limit of ${o.maxBytes} bytes`));
  try {
    if (declared !== undefined) o.lease.take(declared);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    const exact = declared !== undefined && Number.isSafeInteger(declared) ? Buffer.allocUnsafeSlow(o.pad + declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const detach = (): void => {
      req.off("data", onData).off("end", onEnd).off("error", fail).off("close", onClose);
      o.signal.removeEventListener("abort", onAbort);
    };
    const fail = (e: unknown): void => {
      detach();
      req.resume(); // discard the rest; the response says why
      reject(e);
    };
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > (declared ?? o.maxBytes)) return fail(bodyTooLarge(`request body exceeds the limit of ${o.maxBytes} bytes`));
      try {
        if (exact === undefined) o.lease.take(chunk.length);
      } catch (e) {
        return fail(e);
      }
      if (exact !== undefined) chunk.copy(exact, o.pad + size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = (): void => {
      detach();
      if (exact !== undefined) return resolve(exact.subarray(o.pad, o.pad + size));
      const out = Buffer.allocUnsafeSlow(o.pad + size);
      let p = o.pad;
      for (const c of chunks) p += c.copy(out, p);
      resolve(out.subarray(o.pad));
    };
    const onClose = (): void => fail(new RpcError(Code.Canceled, "the HTTP client went away while sending the body"));
    const onAbort = (): void => fail(RpcError.from(o.signal.reason, Code.Canceled));
    if (o.signal.aborted) return onAbort();
    o.signal.addEventListener("abort", onAbort, { once: true });
    req.on("data", onData).once("end", onEnd).once("error", fail).once("close", onClose);
  });
}

/** Bodies up to this size left unread by an early answer are read and dropped, so the connection stays usable. */
const DRAIN_BYTES = 16 << 20;

/**
 * JSON with a status. A body still unread is read and dropped after the answer when it is known to
 * be small (closing a socket with unread bytes resets it, and the client may lose the answer);
 * a larger or unknown one, or one over the limit, closes the connection (`Connection: close`).
 *
 * @example
 * sendOipJson(req, res, 503, { ready: false });
 */
export function sendOipJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, extra?: Record<string, string>, tooLarge = false): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...extra };
  if (!req.complete && (tooLarge || !(Number(req.headers["content-length"]) <= DRAIN_BYTES))) headers["connection"] = "close";
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * An error the protocol's way: `{"error": "<message>"}` with the status of its code (400 for
 * INVALID_ARGUMENT, 404 NOT_FOUND, 413 for a body over the limit, 429 RESOURCE_EXHAUSTED, 503
 * UNAVAILABLE, 504 DEADLINE_EXCEEDED…) and `Retry-After` when it carries a retry hint. For routes
 * of your own next to the protocol's (a transformer's), so that every error has one shape.
 *
 * @example
 * try { await handle(req, res); } catch (e) { sendOipError(req, res, e); }  // bad input: 400 {"error": "…"}
 */
export function sendOipError(req: IncomingMessage, res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const err = RpcError.from(e, Code.Internal);
  sendOipJson(req, res, errorStatus(err), { error: err.rawMessage }, errorHeaders(err), isBodyTooLarge(err));
}
