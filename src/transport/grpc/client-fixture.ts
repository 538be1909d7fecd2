// Test peers for the client tests: a @grpc/grpc-js server of a small echo service, and raw
// node:http2 servers for responses no well-behaved server sends. Not a test file itself.
import { EventEmitter } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { parseProto, type BidiStreamMethod, type ClientStreamMethod, type ServerStreamMethod, type UnaryMethod } from "../../index.js";
import { within } from "../../../test/helpers/wait.js";

export const ECHO_PROTO = `
syntax = "proto3";
package weir.test;
message EchoRequest {
  string text = 1;
  bytes payload = 2;
  int32 count = 3;      // server stream: messages to send
  int32 delay_ms = 4;   // wait before answering (or between stream messages)
  int32 status = 5;     // answer with this status code when non-zero
  string message = 6;   // ... and this message
  int32 size = 7;       // bytes of payload in each reply
}
message EchoReply {
  string text = 1;
  bytes payload = 2;
  int32 index = 3;
}
service Echo {
  rpc Unary(EchoRequest) returns (EchoReply);
  rpc ServerStream(EchoRequest) returns (stream EchoReply);
  rpc ClientStream(stream EchoRequest) returns (EchoReply);
  rpc Bidi(stream EchoRequest) returns (stream EchoReply);
}
`;

export interface EchoRequest { text?: string; payload?: Uint8Array; count?: number; delay_ms?: number; status?: number; message?: string; size?: number }
export interface EchoReply { text: string; payload: Uint8Array; index: number }

export const Echo = parseProto(ECHO_PROTO).service<{
  Unary: UnaryMethod<EchoRequest, EchoReply>;
  ServerStream: ServerStreamMethod<EchoRequest, EchoReply>;
  ClientStream: ClientStreamMethod<EchoRequest, EchoReply>;
  Bidi: BidiStreamMethod<EchoRequest, EchoReply>;
}>("weir.test.Echo");

export interface PeerServer {
  readonly port: number;
  readonly target: string;
  /** Emits "started" and "cancelled" (method name) when a call starts or is cancelled on the server side. */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

let protoFile: string | undefined;
function echoDefinition(): grpc.ServiceDefinition {
  if (protoFile === undefined) {
    protoFile = path.join(mkdtempSync(path.join(tmpdir(), "weir-client-test-")), "echo.proto");
    writeFileSync(protoFile, ECHO_PROTO);
  }
  const def = protoLoader.loadSync(protoFile, { keepCase: true, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { weir: { test: { Echo: { service: grpc.ServiceDefinition } } } };
  return pkg.weir.test.Echo.service;
}

type Req = Required<EchoRequest>;

/** Response metadata: every `x-` request key echoed as a header; trailers carry x-trailer and x-trailer-bin. */
function echoMetadata(call: grpc.ServerUnaryCall<Req, unknown> | grpc.ServerReadableStream<Req, unknown> | grpc.ServerWritableStream<Req, unknown> | grpc.ServerDuplexStream<Req, unknown>): void {
  const out = new grpc.Metadata();
  for (const [k, v] of Object.entries(call.metadata.getMap())) if (k.startsWith("x-")) out.set(k, v as string);
  call.sendMetadata(out);
}

function trailers(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set("x-trailer", "yes");
  md.set("x-trailer-bin", Buffer.from([0, 1, 2, 255]));
  return md;
}

function statusOf(req: Req): grpc.ServiceError | null {
  if (!req.status) return null;
  return Object.assign(new Error(req.message), { code: req.status, details: req.message, metadata: trailers() }) as grpc.ServiceError;
}

function reply(text: string, index: number, size: number): EchoReply {
  return { text, index, payload: Buffer.alloc(size, 7) };
}

function echoImpl(events: EventEmitter): grpc.UntypedServiceImplementation {
  const watch = (name: string, call: EventEmitter) => {
    call.on("cancelled", () => events.emit("cancelled", name));
    events.emit("started", name);
  };
  return {
    Unary(call: grpc.ServerUnaryCall<Req, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) {
      watch("Unary", call);
      echoMetadata(call);
      const answer = () => cb(statusOf(call.request), reply(call.request.text, 0, call.request.size), trailers());
      if (call.request.delay_ms <= 0) return answer();
      const timer = setTimeout(answer, call.request.delay_ms);
      call.on("cancelled", () => clearTimeout(timer));
    },
    ServerStream(call: grpc.ServerWritableStream<Req, EchoReply>) {
      watch("ServerStream", call);
      echoMetadata(call);
      const { count, delay_ms, size, text } = call.request;
      let i = 0;
      const step = () => {
        if (call.cancelled) return;
        if (i >= count) {
          const err = statusOf(call.request);
          return err ? call.emit("error", err) : call.end(trailers());
        }
        call.write(reply(text, i++, size));
        if (delay_ms > 0) timer = setTimeout(step, delay_ms); else setImmediate(step);
      };
      let timer: NodeJS.Timeout | undefined;
      call.on("cancelled", () => clearTimeout(timer)); // a long wait must not hold the test process
      step();
    },
    ClientStream(call: grpc.ServerReadableStream<Req, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) {
      watch("ClientStream", call);
      echoMetadata(call);
      const texts: string[] = [];
      call.on("data", (r: Req) => texts.push(r.text));
      call.on("end", () => cb(null, reply(texts.join(","), texts.length, 0), trailers()));
    },
    Bidi(call: grpc.ServerDuplexStream<Req, EchoReply>) {
      watch("Bidi", call);
      echoMetadata(call);
      let i = 0;
      call.on("data", (r: Req) => call.write(reply(r.text, i++, r.size)));
      call.on("end", () => call.end(trailers()));
    },
  };
}

export interface GrpcJsServerOptions {
  port?: number;
  tls?: { key: Buffer; cert: Buffer };
  /** grpc-js server options (e.g. "grpc.default_compression_algorithm"). */
  channelOptions?: grpc.ServerOptions;
}

/** A @grpc/grpc-js server of the echo service on 127.0.0.1 (port 0 unless given). */
export async function startGrpcJsServer(options: GrpcJsServerOptions = {}): Promise<PeerServer> {
  const events = new EventEmitter();
  const server = new grpc.Server(options.channelOptions);
  server.addService(echoDefinition(), echoImpl(events));
  const creds = options.tls
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: options.tls.key, cert_chain: options.tls.cert }], false)
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, creds, (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    target: `127.0.0.1:${port}`,
    events,
    close: () => new Promise<void>((resolve) => { server.forceShutdown(); resolve(); }),
  };
}

export interface RawServer {
  readonly port: number;
  readonly target: string;
  close(): Promise<void>;
}

/** A bare node:http2 server answering every stream with `handler`. */
export async function startRawServer(handler: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void): Promise<RawServer> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => { sessions.add(s); s.on("close", () => sessions.delete(s)); });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    handler(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    target: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const s of sessions) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A gRPC envelope around raw bytes. */
export function envelope(payload: Uint8Array, compressed = false): Buffer {
  const out = Buffer.alloc(5 + payload.byteLength);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(payload.byteLength, 1);
  out.set(payload, 5);
  return out;
}

/** Read a whole request body from a raw server stream. */
export function readBody(stream: http2.ServerHttp2Stream): Promise<Buffer> {
  return within(new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  }), "the end of the request body");
}
