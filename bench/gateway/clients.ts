/** HTTP clients of the gateway benchmark: raw node:http, counting SSE events without parsing them. */
import http from "node:http";
import { performance } from "node:perf_hooks";

export interface SseRun {
  readonly status: number;
  readonly bytes: number;
  /** Events seen (blank-line terminated blocks). */
  readonly events: number;
  /** Seconds from sending the request to the end of the body. */
  readonly seconds: number;
  /** Ms from sending the request to the first body byte. */
  readonly firstByteMs: number;
  /** The last bytes of the body, for reading the final events. */
  readonly tail: string;
}

export interface SseRequestOptions {
  readonly agent?: http.Agent;
  /** Called once per event with its arrival time (performance.now()); events arriving in one chunk share it. */
  readonly onEvent?: (atMs: number) => void;
  /** Bytes of the body's end to keep (0: none). Default 4096. */
  readonly tailBytes?: number;
}

const LF = 10;

/** GET `path` from 127.0.0.1:`port` and count the SSE events of the body. */
export function sseRequest(port: number, path: string, o: SseRequestOptions = {}): Promise<SseRun> {
  const keep = o.tailBytes ?? 4096;
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = http.get({ host: "127.0.0.1", port, path, agent: o.agent ?? false }, (res) => {
      let bytes = 0, events = 0, prevLf = false, firstByteMs = -1;
      let tail: Buffer = Buffer.alloc(0);
      res.on("data", (chunk: Buffer) => {
        const now = performance.now();
        if (firstByteMs < 0) firstByteMs = now - start;
        bytes += chunk.length;
        for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
          const blank = i === 0 ? prevLf : chunk[i - 1] === LF;
          if (blank) {
            events++;
            o.onEvent?.(now);
          }
        }
        prevLf = chunk[chunk.length - 1] === LF;
        if (keep > 0) tail = chunk.length >= keep ? chunk.subarray(chunk.length - keep) : Buffer.concat([tail, chunk]).subarray(-keep);
      });
      res.on("end", () => resolve({
        status: res.statusCode ?? 0, bytes, events, seconds: (performance.now() - start) / 1000, firstByteMs, tail: tail.toString("utf8"),
      }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** The last message event's JSON before the `done` event of a gateway stream. */
export function lastMessage(tail: string): Record<string, any> | undefined {
  const done = tail.lastIndexOf("event: done");
  const end = tail.lastIndexOf("\n\n", done);
  const start = tail.lastIndexOf("data: ", end);
  if (done < 0 || end < 0 || start < 0) return undefined;
  return JSON.parse(tail.slice(start + 6, end)) as Record<string, any>;
}
