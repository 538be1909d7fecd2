import { setTimeout as sleep } from "node:timers/promises";
import { Code, RpcError } from "../../core/index.js";
import type { SseMessage } from "./event.js";
import { checkSseResponse, readSse, type ReadSseOptions } from "./reader.js";

/** Reconnection policy of {@link sseClient}. */
export interface SseReconnectOptions {
  /** Reconnections in a row without an event in between before giving up. Default 5. */
  maxAttempts?: number;
  /** Delay before reconnecting, in ms, until the server sets one with `retry:`. Default 1000. */
  delayMs?: number;
  /** Largest delay honoured, also when the server asks for more. Default 30000. */
  maxDelayMs?: number;
}

/** Options of {@link sseClient}. */
export interface SseClientOptions extends Pick<ReadSseOptions, "maxEventBytes" | "onComment"> {
  /** Sent as `Last-Event-ID` on the first request. Default none. */
  lastEventId?: string;
  /** Stops reading and reconnecting. */
  signal?: AbortSignal;
  /** Reconnect when the stream ends or breaks; `false` reads one response only. Default `true` (see SseReconnectOptions). */
  reconnect?: boolean | SseReconnectOptions;
  /** HTTP method. Default `GET`. */
  method?: string;
  /** Request headers added to `Accept` and `Last-Event-ID`. */
  headers?: Record<string, string>;
  /** Request body (sent again on each reconnection). */
  body?: string;
  /** Called before each reconnection, with the Last-Event-ID it will send. */
  onReconnect?: (lastEventId: string, attempt: number) => void;
}

/** The defaults of `SseReconnectOptions` (frozen): 5 attempts, 1 s first delay, 30 s at most. */
export const SSE_RECONNECT_DEFAULTS = Object.freeze({ maxAttempts: 5, delayMs: 1000, maxDelayMs: 30_000 });

/**
 * An EventSource-like client over fetch: yields messages, reconnects when the stream ends or
 * breaks (network errors), sending `Last-Event-ID` with the last id seen, and honours the server's
 * `retry:`. Like EventSource it stops without error on HTTP 204 (the server's "do not reconnect")
 * and does not reconnect after other non-2xx answers or a wrong Content-Type: those throw an RpcError. Leaving the `for await` loop closes the connection.
 *
 * @example
 * for await (const m of sseClient("http://127.0.0.1:8080/api/generate?prompt=hi", { signal })) {
 *   if (m.event === "done") break;
 *   process.stdout.write(JSON.parse(m.data).text);
 * }
 */
export async function* sseClient(url: string | URL, options: SseClientOptions = {}): AsyncGenerator<SseMessage> {
  const policy = resolveReconnect(options.reconnect);
  let lastId = options.lastEventId ?? "";
  let delayMs = policy?.delayMs ?? 0;
  for (let attempt = 0; ; ) {
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let gotEvent = false;
    let final = false;
    try {
      const res = await fetch(url, { method: options.method ?? "GET", headers: requestHeaders(options, lastId), body: options.body, signal: controller.signal });
      if (res.status === 204) return;
      final = true; // a refusal (non-2xx, wrong type) is an answer, not a lost connection
      const body = checkSseResponse(res);
      final = false;
      const read = readSse(body, {
        lastEventId: lastId,
        maxEventBytes: options.maxEventBytes,
        onComment: options.onComment,
        onRetry: (ms) => { delayMs = ms; },
      });
      for await (const m of read) {
        gotEvent = true;
        lastId = m.id;
        yield m;
      }
    } catch (e) {
      if (options.signal?.aborted) throw RpcError.from(options.signal.reason, Code.Canceled);
      const err = RpcError.from(e, Code.Unavailable);
      if (!policy || final || err.code === Code.ResourceExhausted) throw err;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      controller.abort(); // a consumer that left the loop closes the connection
    }
    if (!policy) return;
    attempt = gotEvent ? 1 : attempt + 1;
    if (attempt > policy.maxAttempts) throw new RpcError(Code.Unavailable, `SSE stream lost; gave up after ${policy.maxAttempts} reconnections`);
    await sleep(Math.min(delayMs, policy.maxDelayMs), undefined, { signal: options.signal }).catch(() => {
      throw RpcError.from(options.signal?.reason, Code.Canceled);
    });
    options.onReconnect?.(lastId, attempt);
  }
}

function requestHeaders(options: SseClientOptions, lastId: string): Record<string, string> {
  const h: Record<string, string> = { accept: "text/event-stream", "cache-control": "no-cache", ...options.headers };
  if (lastId !== "") h["last-event-id"] = lastId;
  return h;
}

function resolveReconnect(r: SseClientOptions["reconnect"]): Required<SseReconnectOptions> | undefined {
  if (r === false) return undefined;
  const o = r === true || r === undefined ? {} : r;
  const out = { ...SSE_RECONNECT_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isInteger(v) || v < 0) throw new RpcError(Code.InvalidArgument, `reconnect.${k} must be a non-negative integer, got ${v}`);
  }
  return out;
}
