/** HTTP clients of the gateway benchmark: raw node:http, counting SSE events without parsing them. */
import http from "node:http";
import net from "node:net";
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

/**
 * A leaner load generator for many streams: a raw TCP connection, a hand-written GET, and the
 * events counted in the bytes (each SSE event is one HTTP chunk, so chunk framing never splits
 * one). Resolves with the HTTP status and the event count after `expected` events (the socket is
 * then closed), or when the server closes the connection.
 */
export function rawSseRequest(port: number, path: string, expected: number, onEvent: (atMs: number) => void): Promise<{ status: number; events: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let status = 0, events = 0, prevLf = false, headDone = false;
    socket.setNoDelay(true);
    socket.on("connect", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n`));
    socket.on("data", (chunk: Buffer) => {
      const now = performance.now();
      let from = 0;
      if (!headDone) {
        if (status === 0) status = Number(chunk.toString("latin1", 9, 12));
        const end = chunk.indexOf("\r\n\r\n");
        if (end < 0) return;
        headDone = true;
        from = end + 4;
      }
      for (let i = chunk.indexOf(LF, from); i !== -1; i = chunk.indexOf(LF, i + 1)) {
        if (i === from ? prevLf : chunk[i - 1] === LF) {
          events++;
          onEvent(now);
          if (events === expected) socket.destroy();
        }
      }
      prevLf = chunk[chunk.length - 1] === LF;
    });
    socket.on("end", () => socket.end());
    socket.on("close", () => resolve({ status, events }));
    socket.on("error", reject);
  });
}

const LAST_CHUNK = Buffer.from("\r\n0\r\n\r\n");

/**
 * The cheapest client for a chunked response: a raw TCP connection that only counts bytes until
 * the last chunk (`0\r\n\r\n`), so that a server's speed is measured, not the client's parser.
 */
export function rawChunkedBytes(port: number, path: string): Promise<{ bytes: number; seconds: number; status: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const socket = net.connect(port, "127.0.0.1");
    let bytes = 0, status = 0;
    let tail: Buffer = Buffer.alloc(0);
    socket.on("connect", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
    socket.on("data", (chunk: Buffer) => {
      if (status === 0) status = Number(chunk.toString("latin1", 9, 12));
      bytes += chunk.length;
      tail = chunk.length >= 7 ? chunk.subarray(chunk.length - 7) : Buffer.concat([tail, chunk]).subarray(-7);
      if (tail.equals(LAST_CHUNK)) {
        socket.destroy();
        resolve({ bytes, seconds: (performance.now() - start) / 1000, status });
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`connection closed before the end of the response (${bytes} bytes)`)));
  });
}
