import { Code, RpcError } from "../../core/index.js";

/**
 * One server-sent event as a writer takes it. Every field is optional; an event with no `data`
 * is not dispatched by clients (but its `id` and `retry` still take effect).
 */
export interface SseEvent {
  /** Event type (`event:` field). Must not contain CR or LF. Clients default it to `message`. */
  event?: string;
  /** Payload. CR, LF and CRLF inside it split it into several `data:` lines, joined again by clients with LF. */
  data?: string;
  /** Event id (`id:` field); becomes the client's Last-Event-ID. Must not contain CR, LF or NUL. */
  id?: string;
  /** Reconnection delay for the client, in ms (`retry:` field). A non-negative integer. */
  retry?: number;
  /** A comment line (`: text`), ignored by clients; CR/LF inside it start new comment lines. */
  comment?: string;
}

/** An event as a reader yields it (WHATWG interpretation). */
export interface SseMessage {
  /** The event type; `message` when the stream gave none. */
  event: string;
  data: string;
  /** The last event id seen on the stream so far (it persists across events); `""` if none. */
  id: string;
  /** The reconnection delay in ms, if a `retry:` field arrived with or before this event. */
  retry: number | undefined;
}

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * The wire text of one event, ending with the blank line that dispatches it.
 * Field order: comment, `event`, `id`, `retry`, `data` lines.
 *
 * @throws RpcError INVALID_ARGUMENT when `id` or `event` holds CR/LF (or `id` a NUL), or `retry`
 *   is not a non-negative integer.
 * @example
 * formatSseEvent({ event: "token", id: "7", data: "a\nb" }) // "event: token\nid: 7\ndata: a\ndata: b\n\n"
 */
export function formatSseEvent(e: SseEvent): string {
  if (e.event === undefined && e.id === undefined && e.retry === undefined && e.comment === undefined) {
    return e.data === undefined ? "\n" : formatData(e.data) + "\n"; // the common data-only event
  }
  let out = "";
  if (e.comment !== undefined) out = formatComment(e.comment);
  if (e.event !== undefined) {
    if (hasLineBreak(e.event)) throw new RpcError(Code.InvalidArgument, "SSE event type must not contain CR or LF");
    out += "event: " + e.event + "\n";
  }
  if (e.id !== undefined) {
    if (hasLineBreak(e.id) || e.id.includes("\0")) throw new RpcError(Code.InvalidArgument, "SSE id must not contain CR, LF or NUL");
    out += "id: " + e.id + "\n";
  }
  if (e.retry !== undefined) {
    if (!Number.isSafeInteger(e.retry) || e.retry < 0) {
      throw new RpcError(Code.InvalidArgument, `SSE retry must be a non-negative integer of ms, got ${e.retry}`);
    }
    out += "retry: " + e.retry + "\n";
  }
  if (e.data !== undefined) out += formatData(e.data);
  return out + "\n";
}

/** `data:` lines for a payload: one line per line of the payload. */
export function formatData(data: string): string {
  if (!hasLineBreak(data)) return "data: " + data + "\n";
  let out = "";
  for (const line of data.split(LINE_BREAK)) out += "data: " + line + "\n";
  return out;
}

/** Comment lines (`: text`), one per line of `text`, without the dispatching blank line. */
export function formatComment(text: string): string {
  if (!hasLineBreak(text)) return ": " + text + "\n";
  let out = "";
  for (const line of text.split(LINE_BREAK)) out += ": " + line + "\n";
  return out;
}

function hasLineBreak(s: string): boolean {
  return s.indexOf("\n") !== -1 || s.indexOf("\r") !== -1;
}
