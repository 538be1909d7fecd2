/**
 * A raw node:http2 gRPC client, the same for every server: it checks that a server answers the echo
 * service correctly and counts server-streamed envelopes without decoding them (so the count measures
 * the server, not a client library).
 */
import http2 from "node:http2";
import { STREAM_PATH, UNARY_PATH, encodeStreamRequest, envelope } from "./echo-fixture.js";

const REQUEST_HEADERS = { ":method": "POST", "content-type": "application/grpc", te: "trailers" };

export function connectH2(port: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.once("connect", () => {
      session.off("error", reject);
      session.on("error", () => {}); // a server going away fails the requests in flight, which report it
      resolve(session);
    });
    session.once("error", reject);
  });
}

export interface UnaryReply {
  readonly grpcStatus: string | undefined;
  readonly body: Buffer;
}

/** One unary call with an already-enveloped request body. */
export function unaryOnce(session: http2.ClientHttp2Session, body: Buffer, timeoutMs = 5000): Promise<UnaryReply> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ...REQUEST_HEADERS, ":path": UNARY_PATH });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    req.setTimeout(timeoutMs, () => req.close(http2.constants.NGHTTP2_CANCEL));
    req.on("response", (h) => { grpcStatus ??= h["grpc-status"] as string | undefined; });
    req.on("trailers", (t) => { grpcStatus = t["grpc-status"] as string | undefined; });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve({ grpcStatus, body: Buffer.concat(chunks) }));
    req.on("error", reject);
    req.end(body);
  });
}

export interface StreamCount {
  readonly messages: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly grpcStatus: string | undefined;
}

/** Ask for `count` messages of `size` payload bytes and count the envelopes as they arrive. */
export function countStream(session: http2.ClientHttp2Session, count: number, size: number, timeoutMs = 120_000): Promise<StreamCount> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = session.request({ ...REQUEST_HEADERS, ":path": STREAM_PATH });
    let messages = 0;
    let bytes = 0;
    let need = 5; // bytes still missing from the current header (state "header") or body (state "body")
    let inHeader = true;
    const header = Buffer.alloc(5);
    let grpcStatus: string | undefined;
    req.setTimeout(timeoutMs, () => req.close(http2.constants.NGHTTP2_CANCEL));
    req.on("response", (h) => { grpcStatus ??= h["grpc-status"] as string | undefined; });
    req.on("trailers", (t) => { grpcStatus = t["grpc-status"] as string | undefined; });
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      let i = 0;
      const n = chunk.length;
      while (i < n) {
        if (inHeader) {
          const take = Math.min(need, n - i);
          chunk.copy(header, 5 - need, i, i + take);
          i += take;
          need -= take;
          if (need === 0) {
            need = header.readUInt32BE(1);
            inHeader = false;
            messages++;
            if (need === 0) { inHeader = true; need = 5; }
          }
        } else {
          const take = Math.min(need, n - i);
          i += take;
          need -= take;
          if (need === 0) { inHeader = true; need = 5; }
        }
      }
    });
    req.on("end", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ messages, bytes, seconds, grpcStatus });
    });
    req.on("error", reject);
    req.end(envelope(encodeStreamRequest(count, size)));
  });
}
