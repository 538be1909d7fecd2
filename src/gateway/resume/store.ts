import { randomBytes } from "node:crypto";
import { Code, RpcError } from "../../core/index.js";
import type { ResumeOptions } from "../types.js";
import { ResumableStream } from "./stream.js";

/** The defaults of `ResumeOptions` (frozen); see docs/gateway.md and docs/limits.md for each value. */
export const RESUME_DEFAULTS: Readonly<Required<ResumeOptions>> = Object.freeze({
  retentionMs: 60_000,
  graceMs: 10_000,
  maxEvents: 1024,
  maxBytes: 256 << 10,
  maxStreams: 256,
  maxStreamsPerClient: 16,
});

/** Stream ids: 16 characters of base64url (96 random bits); an event id is `<stream id>:<seq>`. */
const EVENT_ID = /^([A-Za-z0-9_-]{16}):(\d{1,15})$/;

/** Who asks: the client a stream counts against, and the principal it belongs to (undefined: anyone). */
export interface StreamOwner {
  /** The principal authenticated by the gateway's middleware, else the remote address. */
  readonly client: string;
  /** The principal authenticated by the gateway's middleware, if any: only it may read or cancel the stream. */
  readonly principal: string | undefined;
}

interface Entry {
  readonly stream: ResumableStream;
  readonly route: string;
  readonly options: Required<ResumeOptions>;
  readonly owner: StreamOwner;
  /** Drops the stream when no reader came back within `retentionMs`. */
  retention: NodeJS.Timeout | undefined;
  /** Stops the upstream call of a running stream that has had no reader for `graceMs`. */
  grace: NodeJS.Timeout | undefined;
}

/**
 * The resumable streams of a gateway, by id. A stream without a reader has its upstream call
 * stopped after `graceMs` (its events stay), and is dropped after `retentionMs`; a reader that
 * comes back in time cancels both countdowns. A stream belongs to the principal that started it:
 * for anyone else it does not exist. At `maxStreams` in all, or `maxStreamsPerClient` for one
 * client, the oldest finished stream without a reader (of that client) makes room, or the new
 * stream is refused with RESOURCE_EXHAUSTED.
 * @internal
 */
export class StreamStore {
  private readonly entries = new Map<string, Entry>();
  private readonly perClient = new Map<string, number>();
  private bytes = 0;
  private readonly onBytes = (delta: number) => { this.bytes += delta; };

  /** Streams held and the bytes of their events. */
  stats(): { streams: number; bytes: number } {
    return { streams: this.entries.size, bytes: this.bytes };
  }

  /** A new stream for `route`, with no reader yet (attach one at once). */
  create(route: string, options: Required<ResumeOptions>, owner: StreamOwner): ResumableStream {
    if (this.entries.size >= options.maxStreams && !this.evictOne()) {
      throw refused(`too many resumable streams (${options.maxStreams}); try again later`);
    }
    if ((this.perClient.get(owner.client) ?? 0) >= options.maxStreamsPerClient && !this.evictOne(owner.client)) {
      throw refused(`this client holds ${options.maxStreamsPerClient} resumable streams, the most it may; end one (DELETE) or try again later`);
    }
    const id = randomBytes(12).toString("base64url");
    const stream = new ResumableStream(id, options, this.onBytes);
    this.entries.set(id, { stream, route, options, owner, retention: undefined, grace: undefined });
    this.perClient.set(owner.client, (this.perClient.get(owner.client) ?? 0) + 1);
    return stream;
  }

  /** The stream an event id (`<stream id>:<seq>`) of `route` points into, if `principal` may see it, with the sequence number to resume from. */
  find(route: string, eventId: string, principal: string | undefined): { stream: ResumableStream; from: number } | undefined {
    const m = EVENT_ID.exec(eventId);
    if (!m) return undefined;
    const stream = this.get(route, m[1]!, principal);
    return stream && { stream, from: Number(m[2]) + 1 };
  }

  /** The stream with this id on `route`, if `principal` may see it. */
  get(route: string, id: string, principal: string | undefined): ResumableStream | undefined {
    const e = this.entries.get(id);
    return e && e.route === route && e.owner.principal === principal ? e.stream : undefined;
  }

  /** Whether an event id has the form of a resumable stream's. */
  static isEventId(eventId: string): boolean {
    return EVENT_ID.test(eventId);
  }

  /** A reader is attached: stop the countdowns. */
  hold(stream: ResumableStream): void {
    const e = this.entries.get(stream.id);
    if (e !== undefined) stopTimers(e);
  }

  /** No reader any more: start the countdowns (unless one attached meanwhile). */
  release(stream: ResumableStream): void {
    const e = this.entries.get(stream.id);
    if (!e || stream.hasReader) return;
    const { retentionMs, graceMs } = e.options;
    e.retention ??= unrefTimer(() => this.drop(stream.id, new RpcError(Code.Canceled, `no reader came back within ${retentionMs} ms`)), retentionMs);
    if (!stream.ended) {
      e.grace ??= unrefTimer(() => {
        e.grace = undefined;
        stream.stop(new RpcError(Code.Canceled, `the generation was stopped: no reader for ${graceMs} ms`));
      }, graceMs);
    }
  }

  /** Abort the stream's upstream call and forget it. */
  drop(id: string, reason: RpcError): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    stopTimers(e);
    this.entries.delete(id);
    const left = (this.perClient.get(e.owner.client) ?? 1) - 1;
    if (left > 0) this.perClient.set(e.owner.client, left);
    else this.perClient.delete(e.owner.client);
    e.stream.abort(reason);
    return true;
  }

  close(): void {
    for (const id of [...this.entries.keys()]) this.drop(id, new RpcError(Code.Unavailable, "the gateway is shutting down"));
  }

  /** Drop the oldest finished stream without a reader (of `client`, if given); false when there is none. */
  private evictOne(client?: string): boolean {
    for (const [id, e] of this.entries) {
      if (client !== undefined && e.owner.client !== client) continue;
      if (e.stream.ended && !e.stream.hasReader) return this.drop(id, new RpcError(Code.Canceled, "evicted to make room"));
    }
    return false;
  }
}

/** RESOURCE_EXHAUSTED with a retry hint: HTTP 429 with Retry-After. */
function refused(message: string): RpcError {
  return new RpcError(Code.ResourceExhausted, message, { metadata: { "retry-after": "1" } });
}

function unrefTimer(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}

function stopTimers(e: Entry): void {
  clearTimeout(e.retention);
  clearTimeout(e.grace);
  e.retention = undefined;
  e.grace = undefined;
}
