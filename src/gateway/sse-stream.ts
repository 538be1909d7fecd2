import type { ServerResponse } from "node:http";
import { SseWriter, type SseWriterOptions } from "../http/index.js";
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

/**
 * Resolves true once `p` settles (either way), false if `ms` pass first. `p` keeps running.
 * @internal
 */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(false);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => { timer = setTimeout(resolve, ms, false); });
  return Promise.race([p.then(() => true, () => true), late]).finally(() => clearTimeout(timer));
}

/** What `pipeToSse` needs from a route. @internal */
export interface SseTarget {
  readonly sse: SseWriterOptions;
  readonly firstEventWaitMs: number;
  /** A response message -> the JSON text of its event. */
  encode(json: unknown): string;
}

/**
 * A stream of response messages -> server-sent events on `res`: one event per message (`id` =
 * its position from 0, `data` = its JSON), then `event: done` (`data: [DONE]`). An error before
 * the first message (within `firstEventWaitMs`) is an HTTP status with a JSON body; after it,
 * `event: error` with `{ code, status, message }` ends the stream. The next message is pulled
 * only once the previous one was taken by the socket (backpressure reaches the upstream call);
 * the caller's call signal is expected to abort when the client leaves.
 * @internal
 */
export async function pipeToSse(stream: AsyncIterable<unknown>, res: ServerResponse, target: SseTarget): Promise<void> {
  const it = stream[Symbol.asyncIterator]();
  let pending = it.next();
  pending.catch(noop);
  if (await settlesWithin(pending, target.firstEventWaitMs)) {
    try {
      await pending;
    } catch (e) {
      return sendError(res, e);
    }
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

function closeQuietly(it: AsyncIterator<unknown>): void {
  try {
    it.return?.()?.then(undefined, noop);
  } catch {
    // nothing to report to: the stream is over
  }
}

function noop(): void {}
