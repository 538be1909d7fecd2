import type { ServerResponse } from "node:http";
import type { Writable } from "node:stream";
import { Code, RpcError } from "../../core/index.js";
import { formatComment, formatSseEvent, type SseEvent } from "./event.js";

/** Options of {@link SseWriter}. */
export interface SseWriterOptions {
  /** Ms between keep-alive comments while no event was written; 0 turns them off. Default 15000. */
  keepAliveMs?: number;
  /** Text of the keep-alive comment. Default `"keep-alive"`. */
  keepAliveComment?: string;
  /**
   * Most bytes (UTF-16 units) held back while the socket is behind. A producer that ignores
   * backpressure and passes this makes the writer abort with RESOURCE_EXHAUSTED. Default 1 MiB.
   */
  maxQueuedBytes?: number;
  /** HTTP status, when the writer sends the head. Default 200. */
  status?: number;
  /** Extra response headers, when the writer sends the head. */
  headers?: Record<string, string>;
}

/** The defaults of `SseWriterOptions` (frozen); see docs/limits.md for each value. */
export const SSE_WRITER_DEFAULTS = Object.freeze({
  keepAliveMs: 15_000,
  keepAliveComment: "keep-alive",
  maxQueuedBytes: 1 << 20,
  status: 200,
});

const RESOLVED: Promise<void> = Promise.resolve();
const noop = () => {};

type Output = Writable | ServerResponse;

/**
 * Writes server-sent events to a node:http response (or any Writable), one write per event.
 *
 * - On a ServerResponse whose head is not sent yet, sends `200` with `Content-Type:
 *   text/event-stream; charset=utf-8`, `Cache-Control: no-cache`, `X-Accel-Buffering: no` and,
 *   on HTTP/1.1, `Connection: keep-alive`, and flushes the head at once.
 * - Backpressure: `write()` returns false once the socket is over its high-water mark; events
 *   written while it is behind are joined into one string and written in one go on `drain`.
 *   `send()` is `write()` plus waiting for `drain` when needed: on a socket that keeps up it
 *   returns an already-settled promise, so there is no allocation per event.
 * - `signal` aborts (reason: RpcError CANCELLED) when the peer goes away before `end()`.
 *
 * @example
 * const sse = new SseWriter(res);
 * for await (const token of tokens(sse.signal)) await sse.send({ data: token });
 * sse.end();
 */
export class SseWriter {
  private readonly out: Output;
  private readonly controller = new AbortController();
  private readonly maxQueued: number;
  private readonly keepAliveText: string;
  private timer: NodeJS.Timeout | undefined;
  private queued = "";
  private wrote = false;
  private ended = false;
  private drainPromise: Promise<void> | undefined;
  private drainResolve: (() => void) | undefined;
  private drainReject: ((e: unknown) => void) | undefined;

  constructor(out: Output, options: SseWriterOptions = {}) {
    this.out = out;
    this.maxQueued = positive("maxQueuedBytes", options.maxQueuedBytes ?? SSE_WRITER_DEFAULTS.maxQueuedBytes);
    const keepAliveMs = options.keepAliveMs ?? SSE_WRITER_DEFAULTS.keepAliveMs;
    if (!(keepAliveMs >= 0)) throw new RpcError(Code.InvalidArgument, `keepAliveMs must be >= 0, got ${keepAliveMs}`);
    this.keepAliveText = formatComment(options.keepAliveComment ?? SSE_WRITER_DEFAULTS.keepAliveComment) + "\n";
    if (isResponse(out) && !out.headersSent) sendHead(out, options);
    out.on("drain", this.onDrain);
    out.on("close", this.onClose);
    out.on("error", this.onError);
    if (keepAliveMs > 0) {
      this.timer = setInterval(this.onTick, keepAliveMs);
      this.timer.unref();
    }
    if (out.destroyed) this.onClose();
  }

  /** Aborted when the peer disconnects or the output fails before `end()`; the reason is an RpcError. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the socket is over its high-water mark (events are being queued). */
  get behind(): boolean {
    return this.queued !== "" || this.out.writableNeedDrain;
  }

  /** Bytes waiting in the writer's own queue (not yet handed to the socket). */
  get queuedBytes(): number {
    return this.queued.length;
  }

  /**
   * Write one event. Returns false when the caller should wait for `drained()` before the next
   * one, and after the writer ended or the peer left (the event is then dropped).
   */
  write(event: SseEvent): boolean {
    return this.writeText(formatSseEvent(event));
  }

  /** Write an already formatted event (see `formatSseEvent`); same contract as `write()`. */
  writeText(text: string): boolean {
    if (this.ended || this.controller.signal.aborted) return false;
    this.wrote = true;
    if (this.queued !== "" || this.out.writableNeedDrain) {
      this.queued += text;
      if (this.queued.length > this.maxQueued) {
        this.fail(new RpcError(Code.ResourceExhausted, `SSE writer queue passed ${this.maxQueued} bytes; the reader is too slow`));
      }
      return false;
    }
    return this.out.write(text);
  }

  /**
   * Write one event; the promise settles once the writer can take the next one: at once while
   * the socket keeps up, on `drain` when it is behind. Rejects with the abort reason if the peer
   * leaves first.
   */
  send(event: SseEvent): Promise<void> {
    if (this.controller.signal.aborted) return Promise.reject(this.controller.signal.reason);
    return this.write(event) ? RESOLVED : this.drained();
  }

  /** Write a comment (`: text`), e.g. a custom keep-alive. */
  comment(text: string): boolean {
    return this.writeText(formatComment(text) + "\n");
  }

  /** Settles when the writer is no longer behind; rejects if the peer leaves first. */
  drained(): Promise<void> {
    if (this.controller.signal.aborted) return Promise.reject(this.controller.signal.reason);
    if (this.ended) return Promise.reject(new RpcError(Code.FailedPrecondition, "SSE writer has ended"));
    if (!this.behind) return RESOLVED;
    if (!this.drainPromise) {
      this.drainPromise = new Promise<void>((resolve, reject) => {
        this.drainResolve = resolve;
        this.drainReject = reject;
      });
      this.drainPromise.catch(noop); // awaiting callers still see the rejection
    }
    return this.drainPromise;
  }

  /** Flush what is queued and end the response. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimer();
    const rest = this.queued;
    this.queued = "";
    if (!this.controller.signal.aborted) {
      if (rest !== "") this.out.end(rest);
      else this.out.end();
    }
  }

  /** Abort: the signal fires with `reason` and the output is destroyed (the client sees a broken stream). */
  abort(reason: unknown = new RpcError(Code.Canceled, "SSE stream aborted")): void {
    this.fail(RpcError.from(reason, Code.Canceled));
  }

  private readonly onDrain = (): void => {
    if (this.queued !== "") {
      const text = this.queued;
      this.queued = "";
      if (!this.out.write(text)) return; // still behind: wait for the next drain
    }
    const resolve = this.drainResolve;
    this.drainPromise = this.drainResolve = this.drainReject = undefined;
    resolve?.();
  };

  private readonly onClose = (): void => {
    this.stopTimer();
    if (!this.out.writableFinished && !this.controller.signal.aborted) {
      this.settle(new RpcError(Code.Canceled, "SSE client disconnected"));
    }
  };

  private readonly onError = (e: unknown): void => {
    this.settle(RpcError.from(e, Code.Unavailable));
  };

  private readonly onTick = (): void => {
    if (!this.wrote && !this.behind) this.writeText(this.keepAliveText);
    this.wrote = false;
  };

  private fail(reason: RpcError): void {
    this.settle(reason);
    this.out.destroy();
  }

  private settle(reason: RpcError): void {
    this.stopTimer();
    this.queued = "";
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    const reject = this.drainReject;
    this.drainPromise = this.drainResolve = this.drainReject = undefined;
    reject?.(reason);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * The response headers an SSE stream needs, for callers that send the head themselves.
 * On HTTP/1.1, `Connection: keep-alive`, unless the request's `Connection` header (give it as
 * `requestConnection`) asked to close: then `Connection: close`. HTTP/2 forbids connection
 * headers, so other versions get none. Default version "1.1", no request header.
 */
export function sseHeaders(httpVersion = "1.1", requestConnection?: string | string[]): Record<string, string> {
  const h: Record<string, string> = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  };
  if (httpVersion === "1.1") h["connection"] = asksClose(requestConnection) ? "close" : "keep-alive";
  return h;
}

/** Whether a `Connection` header lists the `close` token. */
function asksClose(value: string | string[] | undefined): boolean {
  if (value === undefined) return false;
  const text = Array.isArray(value) ? value.join(",") : value;
  return text.split(",").some((t) => t.trim().toLowerCase() === "close");
}

function sendHead(res: ServerResponse, options: SseWriterOptions): void {
  const req = res.req as { httpVersion?: string; headers?: Record<string, string | string[] | undefined> } | undefined;
  res.writeHead(options.status ?? SSE_WRITER_DEFAULTS.status, { ...sseHeaders(req?.httpVersion ?? "1.1", req?.headers?.["connection"]), ...options.headers });
  res.flushHeaders();
}

function isResponse(out: Output): out is ServerResponse {
  return typeof (out as ServerResponse).writeHead === "function";
}

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new RpcError(Code.InvalidArgument, `${name} must be a positive integer, got ${v}`);
  return v;
}
