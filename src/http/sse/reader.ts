import { createParser } from "eventsource-parser";
import { Code, RpcError, codeFromHttpStatus } from "../../core/index.js";
import type { SseMessage } from "./event.js";

/** Options of {@link readSse}. */
export interface ReadSseOptions {
  /** Last event id the stream starts from (ids persist across events). Default `""`. */
  lastEventId?: string;
  /** Largest event (or unterminated line) in characters; more fails with RESOURCE_EXHAUSTED. Default 1 MiB. */
  maxEventBytes?: number;
  /** Called for every comment line (keep-alives), without the leading `:`/space. */
  onComment?: (text: string) => void;
  /** Called when a `retry:` field arrives, with the delay in ms. */
  onRetry?: (ms: number) => void;
}

/** Anything a reader can take bytes from: a fetch Response, a web ReadableStream, a Node Readable. */
export type SseSource = Response | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/** The defaults of `ReadSseOptions` (frozen): events up to 1 MiB. */
export const READ_SSE_DEFAULTS = Object.freeze({ maxEventBytes: 1 << 20 });

/**
 * Parse a server-sent event stream into messages, following the WHATWG rules (via
 * eventsource-parser): CR, LF or CRLF line ends, also split across chunks; one leading BOM
 * dropped; comments ignored; `id` persisting across events; `retry` digits only; an event
 * without its final blank line at the end of the stream is discarded.
 *
 * A `Response` must be 2xx with `Content-Type: text/event-stream`, or this throws an RpcError
 * (code from the HTTP status, or INVALID_ARGUMENT for the wrong type).
 *
 * @example
 * for await (const m of readSse(await fetch(url))) console.log(m.event, m.data);
 */
export async function* readSse(source: SseSource, options: ReadSseOptions = {}): AsyncGenerator<SseMessage> {
  const body = isResponse(source) ? checkSseResponse(source) : source;
  const max = options.maxEventBytes ?? READ_SSE_DEFAULTS.maxEventBytes;
  const ready: SseMessage[] = [];
  let lastId = options.lastEventId ?? "";
  let retry: number | undefined;
  let failure: RpcError | undefined;
  const tooLarge = () => new RpcError(Code.ResourceExhausted, `SSE event larger than ${max} characters`);
  const parser = createParser({
    maxBufferSize: max, // bounds an event spread over several reads
    onEvent(e) {
      if (e.data.length > max) failure ??= tooLarge(); // one that came whole in a single read
      if (e.id !== undefined) lastId = e.id;
      ready.push({ event: e.event ?? "message", data: e.data, id: lastId, retry });
    },
    onRetry(ms) {
      retry = ms;
      options.onRetry?.(ms);
    },
    onComment: options.onComment,
    onError(e) {
      if (e.type === "max-buffer-size-exceeded") failure ??= tooLarge();
    },
  });
  const decoder = new TextDecoder("utf-8"); // drops one leading BOM, keeps multi-byte characters whole across chunks
  let first = true;
  let endsWithCr = false;
  for await (const chunk of iterate(body)) {
    let text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    if (first && text !== "") {
      first = false; // the TextDecoder drops a BOM from bytes; string sources skip it, so drop it here
      if (typeof chunk === "string" && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    parser.feed(text);
    if (text !== "") endsWithCr = text.charCodeAt(text.length - 1) === 13;
    if (failure) throw failure;
    for (let i = 0; i < ready.length; i++) yield ready[i]!;
    ready.length = 0;
  }
  let tail = decoder.decode();
  if (tail === "" && endsWithCr) tail = "\n"; // the parser holds a final CR back in case LF follows; none will
  if (tail !== "") parser.feed(tail);
  if (failure) throw failure;
  for (const m of ready) yield m; // parser only dispatches on a blank line: an unterminated event is dropped
}

/**
 * The body of a fetch Response that is a 2xx `text/event-stream`; otherwise the body is
 * cancelled and an RpcError thrown (code from the HTTP status, or INVALID_ARGUMENT for the type).
 */
export function checkSseResponse(res: Response): ReadableStream<Uint8Array> {
  if (!res.ok) {
    void res.body?.cancel().catch(() => {});
    throw new RpcError(codeFromHttpStatus(res.status), `SSE request failed with HTTP ${res.status}`);
  }
  const type = res.headers.get("content-type") ?? "";
  if (!/^text\/event-stream\b/i.test(type)) {
    void res.body?.cancel().catch(() => {});
    throw new RpcError(Code.InvalidArgument, `expected Content-Type text/event-stream, got "${type}"`);
  }
  if (!res.body) throw new RpcError(Code.Internal, "SSE response has no body");
  return res.body;
}

function isResponse(s: SseSource): s is Response {
  return typeof (s as Response).headers === "object" && typeof (s as Response).status === "number";
}

async function* iterate(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  if (Symbol.asyncIterator in body) {
    yield* body as AsyncIterable<Uint8Array | string>;
    return;
  }
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
