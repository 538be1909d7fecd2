/**
 * The platform ceiling: a bare node:http2 server that speaks just enough gRPC for the echo service.
 * No framework, no protobuf library: it reads the 5-byte envelope, echoes the message bytes for Unary,
 * and for ServerStream writes one prebuilt envelope `count` times, honouring backpressure.
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { STREAM_PATH, UNARY_PATH, decodeStreamRequest, encodeEchoMessage, envelope } from "../echo-fixture.js";
import type { BenchServer } from "./types.js";

const RESPONSE_HEADERS = { ":status": 200, "content-type": "application/grpc" };
const OK_TRAILERS = { "grpc-status": "0" };
const MAX_BODY = 1 << 20;

export async function startRawServer(): Promise<BenchServer> {
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
  server.on("stream", (stream, headers) => {
    const path = headers[":path"];
    if (path !== UNARY_PATH && path !== STREAM_PATH) return void fail(stream, 12, "unknown method");
    readBody(stream, (body) => {
      if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) return fail(stream, 13, "bad envelope");
      if (path === UNARY_PATH) return reply(stream, body);
      let req;
      try {
        req = decodeStreamRequest(body.subarray(5));
      } catch {
        return fail(stream, 13, "bad request");
      }
      streamReplies(stream, req.count, envelope(encodeEchoMessage(Buffer.alloc(req.size, 7))));
    });
  });
  server.on("sessionError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function readBody(stream: http2.ServerHttp2Stream, done: (body: Buffer) => void): void {
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let size = 0;
  stream.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) return void stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    if (first === undefined) first = chunk;
    else (chunks ??= [first]).push(chunk);
  });
  stream.on("end", () => done(chunks ? Buffer.concat(chunks) : (first ?? Buffer.alloc(0))));
  stream.on("error", () => {});
}

function reply(stream: http2.ServerHttp2Stream, body: Buffer): void {
  if (stream.destroyed) return;
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(OK_TRAILERS));
  stream.end(body);
}

function streamReplies(stream: http2.ServerHttp2Stream, count: number, frame: Buffer): void {
  if (stream.destroyed) return;
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(OK_TRAILERS));
  let sent = 0;
  const pump = (): void => {
    while (sent < count) {
      if (stream.destroyed) return;
      sent++;
      if (!stream.write(frame)) return void stream.once("drain", pump);
    }
    stream.end();
  };
  pump();
}

function fail(stream: http2.ServerHttp2Stream, code: number, message: string): void {
  if (stream.destroyed) return;
  stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(code), "grpc-message": encodeURIComponent(message) }, { endStream: true });
}
