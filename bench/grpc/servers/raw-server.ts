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
  server.on("stream", onStream);
  server.on("sessionError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

// One set of listeners for every stream (`this` is the stream, which carries its body so far), so a
// call costs the server no closures: the ceiling stays a ceiling when the client is cheap.
const kBody = Symbol("body");
type EchoStream = http2.ServerHttp2Stream & { [kBody]: { path: string; first: Buffer | undefined; chunks: Buffer[] | undefined; size: number } };

function onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const path = headers[":path"];
  if (path !== UNARY_PATH && path !== STREAM_PATH) return void fail(stream, 12, "unknown method");
  (stream as EchoStream)[kBody] = { path, first: undefined, chunks: undefined, size: 0 };
  stream.on("data", onData);
  stream.on("end", onEnd);
  stream.on("error", ignore);
}

function onData(this: EchoStream, chunk: Buffer): void {
  const b = this[kBody];
  b.size += chunk.length;
  if (b.size > MAX_BODY) return void this.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  if (b.first === undefined) b.first = chunk;
  else (b.chunks ??= [b.first]).push(chunk);
}

function onEnd(this: EchoStream): void {
  const { path, first, chunks } = this[kBody];
  const body = chunks ? Buffer.concat(chunks) : (first ?? Buffer.alloc(0));
  if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) return fail(this, 13, "bad envelope");
  if (path === UNARY_PATH) return reply(this, body);
  let req;
  try {
    req = decodeStreamRequest(body.subarray(5));
  } catch {
    return fail(this, 13, "bad request");
  }
  streamReplies(this, req.count, envelope(encodeEchoMessage(Buffer.alloc(req.size, 7))));
}

function ignore(): void {}

function sendOkTrailers(this: http2.ServerHttp2Stream): void {
  this.sendTrailers(OK_TRAILERS);
}

function reply(stream: http2.ServerHttp2Stream, body: Buffer): void {
  if (stream.destroyed) return;
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once("wantTrailers", sendOkTrailers);
  stream.end(body);
}

function streamReplies(stream: http2.ServerHttp2Stream, count: number, frame: Buffer): void {
  if (stream.destroyed) return;
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once("wantTrailers", sendOkTrailers);
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
