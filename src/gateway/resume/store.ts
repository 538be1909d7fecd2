import { randomBytes } from "node:crypto";
import { Code, RpcError } from "../../core/index.js";
import type { ResumeOptions } from "../types.js";
import { ResumableStream } from "./stream.js";

export const RESUME_DEFAULTS: Readonly<Required<ResumeOptions>> = Object.freeze({
  retentionMs: 60_000,
  maxEvents: 1024,
  maxBytes: 256 << 10,
  maxStreams: 256,
});

/** Stream ids: 16 characters of base64url (96 random bits); an event id is `<stream id>:<seq>`. */
const EVENT_ID = /^([A-Za-z0-9_-]{16}):(\d{1,15})$/;

interface Entry {
  readonly stream: ResumableStream;
  readonly route: string;
  readonly options: Required<ResumeOptions>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The resumable streams of a gateway, by id. A stream without a reader is kept for its
 * retention window and then aborted (its upstream call cancelled) and dropped; a reader that
 * comes back in time cancels the countdown. At `maxStreams`, the oldest finished stream without
 * a reader makes room, or the new stream is refused with RESOURCE_EXHAUSTED.
 * @internal
 */
export class StreamStore {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly onBytes = (delta: number) => { this.bytes += delta; };

  /** Streams held and the bytes of their events. */
  stats(): { streams: number; bytes: number } {
    return { streams: this.entries.size, bytes: this.bytes };
  }

  /** A new stream for `route`, with no reader yet (attach one at once). */
  create(route: string, options: Required<ResumeOptions>): ResumableStream {
    if (this.entries.size >= options.maxStreams && !this.evictOne()) {
      throw new RpcError(Code.ResourceExhausted, `too many resumable streams (${options.maxStreams}); try again later`);
    }
    const id = randomBytes(12).toString("base64url");
    const stream = new ResumableStream(id, options, this.onBytes);
    this.entries.set(id, { stream, route, options, timer: undefined });
    return stream;
  }

  /** The stream an event id (`<stream id>:<seq>`) of `route` points into, with the sequence number to resume from. */
  find(route: string, eventId: string): { stream: ResumableStream; from: number } | undefined {
    const m = EVENT_ID.exec(eventId);
    if (!m) return undefined;
    const e = this.entries.get(m[1]!);
    if (!e || e.route !== route) return undefined;
    return { stream: e.stream, from: Number(m[2]) + 1 };
  }

  /** The stream with this id on `route`. */
  get(route: string, id: string): ResumableStream | undefined {
    const e = this.entries.get(id);
    return e && e.route === route ? e.stream : undefined;
  }

  /** Whether an event id has the form of a resumable stream's. */
  static isEventId(eventId: string): boolean {
    return EVENT_ID.test(eventId);
  }

  /** A reader is attached: stop the countdown. */
  hold(stream: ResumableStream): void {
    const e = this.entries.get(stream.id);
    if (e?.timer !== undefined) {
      clearTimeout(e.timer);
      e.timer = undefined;
    }
  }

  /** No reader any more: start the countdown to dropping the stream (unless one attached meanwhile). */
  release(stream: ResumableStream): void {
    const e = this.entries.get(stream.id);
    if (!e || stream.hasReader || e.timer !== undefined) return;
    e.timer = setTimeout(() => this.drop(stream.id, new RpcError(Code.Canceled, `no reader came back within ${e.options.retentionMs} ms`)), e.options.retentionMs);
    e.timer.unref();
  }

  /** Abort the stream's upstream call and forget it. */
  drop(id: string, reason: RpcError): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    if (e.timer !== undefined) clearTimeout(e.timer);
    this.entries.delete(id);
    e.stream.abort(reason);
    return true;
  }

  close(): void {
    for (const id of [...this.entries.keys()]) this.drop(id, new RpcError(Code.Unavailable, "the gateway is shutting down"));
  }

  private evictOne(): boolean {
    for (const [id, e] of this.entries) {
      if (e.stream.ended && !e.stream.hasReader) return this.drop(id, new RpcError(Code.Canceled, "evicted to make room"));
    }
    return false;
  }
}
