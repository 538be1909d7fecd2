import type { ServerResponse } from "node:http";
import { Code, RpcError } from "../core/index.js";
import { SseWriter, type SseWriterOptions } from "../http/index.js";
import type { CallOptions } from "../rpc/index.js";
import { errorJson, sendError } from "./http-io.js";

const DONE_EVENT = "event: done\ndata: [DONE]\n\n";

/** The text of the `error` event that ends a stream which failed after it started. */
export function errorEventText(e: unknown, id?: string): string {
  return `event: error\n${id === undefined ? "" : `id: ${id}\n`}data: ${JSON.stringify(errorJson(e))}\n\n`;
}

/** The text of the final `done` event. */
export function doneEventText(id?: string): string {
  return id === undefined ? DONE_EVENT : `event: done\nid: ${id}\ndata: [DONE]\n\n`;
}

/** The text of one message event: `id:` then the JSON on one `data:` line (JSON text has no line breaks). */
export function messageEventText(id: string, json: string): string {
  return `id: ${id}\ndata: ${json}\n\n`;
}

/** What `pipeToSse` needs from a route. @internal */
export interface SseTarget {
  readonly sse: SseWriterOptions;
  readonly acceptTimeoutMs: number;
  /** A response message -> the JSON text of its event. */
  encode(json: unknown): string;
}

/** A streaming call the upstream accepted: its iterator and its first `next()`, maybe still pending. @internal */
export interface AcceptedStream<T> {
  readonly it: AsyncIterator<T>;
  readonly first: Promise<IteratorResult<T>>;
}

/**
 * Open a streaming call with `options` (plus an `onHeader` and a signal of its own) and wait until
 * the upstream accepts it: its response headers arrive or its first message does, for at most
 * `acceptTimeoutMs`. Only then may a 200 be sent. An error before that is thrown, for an HTTP
 * status; a timeout cancels the call and throws DEADLINE_EXCEEDED (504). A Weir server sends the
 * headers once a handler calls `ctx.sendHeaders()` (the Generation service: once the request is
 * checked), else with the first message.
 * @internal
 */
export async function openAccepted<T, O extends CallOptions>(open: (options: O) => AsyncIterable<T>, options: O, acceptTimeoutMs: number): Promise<AcceptedStream<T>> {
  let onHeader!: () => void;
  const headers = new Promise<"accepted">((resolve) => { onHeader = () => resolve("accepted"); });
  // A pending next() holds back return() on an async generator, so a timeout cancels through the signal.
  const cancel = new AbortController();
  const signal = options.signal === undefined ? cancel.signal : AbortSignal.any([options.signal, cancel.signal]);
  const it = open({ ...options, onHeader, signal })[Symbol.asyncIterator]();
  const first = it.next();
  first.catch(noop);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"timeout">((resolve) => { timer = setTimeout(resolve, acceptTimeoutMs, "timeout"); });
  const settled = first.then(() => "settled" as const, () => "settled" as const);
  const outcome = await Promise.race([settled, headers, late]).finally(() => clearTimeout(timer));
  if (outcome === "timeout") {
    const err = new RpcError(Code.DeadlineExceeded, `the upstream did not accept the call within ${acceptTimeoutMs} ms`);
    cancel.abort(err);
    closeQuietly(it);
    throw err;
  }
  if (outcome === "settled") await first; // failed before it was accepted: thrown before any byte is sent
  return { it, first };
}

/** The messages of an accepted stream, its first included, as one iterable; `return()` cancels the call. @internal */
export function iterateAccepted<T>(accepted: AcceptedStream<T>): AsyncIterable<T> {
  let first: Promise<IteratorResult<T>> | undefined = accepted.first;
  const it: AsyncIterator<T> = {
    next() {
      const step = first ?? accepted.it.next();
      first = undefined;
      return step;
    },
    return: (value?: unknown) => accepted.it.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
  };
  return { [Symbol.asyncIterator]: () => it };
}

/**
 * A stream of response messages -> server-sent events on `res`: one event per message (`id` =
 * its position from 0, `data` = its JSON), then `event: done` (`data: [DONE]`). The response
 * head (200) is sent once the upstream accepted the call (see `openAccepted`); an error before
 * that is an HTTP status with a JSON body, after it `event: error` with `{ code, status,
 * message }` ends the stream. The next message is pulled only once the previous one was taken by
 * the socket (backpressure reaches the upstream call); the caller's call signal is expected to
 * abort when the client leaves.
 * @internal
 */
export async function pipeToSse<O extends CallOptions>(
  open: (options: O) => AsyncIterable<unknown>, options: O, res: ServerResponse, target: SseTarget,
): Promise<void> {
  let it: AsyncIterator<unknown>, pending: Promise<IteratorResult<unknown>>;
  try {
    ({ it, first: pending } = await openAccepted(open, options, target.acceptTimeoutMs));
  } catch (e) {
    return sendError(res, e);
  }
  const writer = new SseWriter(res, target.sse);
  let finished = false;
  try {
    for (let seq = 0; ; seq++) {
      const step = await pending;
      if (step.done === true) break;
      if (!writer.writeText(messageEventText(String(seq), target.encode(step.value)))) await writer.drained();
      pending = it.next();
    }
    finished = true;
    writer.writeText(DONE_EVENT);
  } catch (e) {
    if (!writer.signal.aborted) writer.writeText(errorEventText(e));
  } finally {
    if (!finished) closeQuietly(it);
    writer.end();
  }
}

/** Close a stream's iterator without waiting or reporting: the call is cancelled. @internal */
export function closeQuietly(it: AsyncIterator<unknown>): void {
  try {
    it.return?.()?.then(undefined, noop);
  } catch {
    // nothing to report to: the stream is over
  }
}

function noop(): void {}
