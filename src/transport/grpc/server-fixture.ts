// Test fixture of the gRPC server tests (not a test file): a Weir server of the echo service in
// testdata/echo.proto, and a @grpc/grpc-js client of it, the real peer the tests check against.
import { EventEmitter } from "node:events";
import http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Code, RpcError, loadProtoSync, type ServerCallContext, type ServiceImpl } from "../../index.js";
import type { BidiStreamMethod, ClientStreamMethod, ServerStreamMethod, UnaryMethod } from "../../index.js";
import { createServer, type Server, type ServerOptions } from "./grpc-server.js";
import { within } from "../../../test/helpers/wait.js";

export const TESTDATA = fileURLToPath(new URL("../../../../src/transport/grpc/testdata/", import.meta.url));
export const ECHO_PROTO_FILE = `${TESTDATA}echo.proto`;

export interface EchoRequest { text?: string; payload?: Uint8Array; count?: number; delay_ms?: number; status?: number; message?: string; size?: number }
export interface EchoReply { text?: string; payload?: Uint8Array; index?: number; labels?: Record<string, string> }
export type EchoMethods = {
  Unary: UnaryMethod<EchoRequest, EchoReply>;
  ServerStream: ServerStreamMethod<EchoRequest, EchoReply>;
  ClientStream: ClientStreamMethod<EchoRequest, EchoReply>;
  Bidi: BidiStreamMethod<EchoRequest, EchoReply>;
};

export const Echo = loadProtoSync(ECHO_PROTO_FILE).service<EchoMethods>("weir.test.server.Echo");

/**
 * The echo handlers. The probe emits "started" (method, ctx) when a handler starts and "aborted"
 * (method, reason) when a handler sees its signal abort while it waits.
 */
export function echoImpl(probe: EventEmitter): ServiceImpl<EchoMethods> {
  return {
    async Unary(req, ctx) {
      probe.emit("started", "Unary", ctx);
      echoMetadata(ctx);
      await pause(req.delay_ms ?? 0, ctx, probe, "Unary");
      failIfAsked(req);
      return reply(req, ctx, 0);
    },
    async *ServerStream(req, ctx) {
      probe.emit("started", "ServerStream", ctx);
      echoMetadata(ctx);
      for (let i = 0; i < (req.count ?? 1); i++) {
        await pause(req.delay_ms ?? 0, ctx, probe, "ServerStream");
        yield reply(req, ctx, i);
      }
      failIfAsked(req);
    },
    async ClientStream(requests, ctx) {
      probe.emit("started", "ClientStream", ctx);
      echoMetadata(ctx);
      const texts: string[] = [];
      let compressed = 0;
      try {
        for await (const r of requests) {
          texts.push(r.text ?? "");
          if (ctx.lastRequestCompressed) compressed++;
          await pause(r.delay_ms ?? 0, ctx, probe, "ClientStream");
          failIfAsked(r);
        }
      } catch (e) {
        if (ctx.signal.aborted) probe.emit("aborted", "ClientStream", ctx.signal.reason);
        throw e;
      }
      return { text: texts.join(","), index: texts.length, labels: { compressed: String(compressed) } };
    },
    async *Bidi(requests, ctx) {
      probe.emit("started", "Bidi", ctx);
      echoMetadata(ctx);
      let i = 0;
      try {
        for await (const r of requests) {
          await pause(r.delay_ms ?? 0, ctx, probe, "Bidi");
          failIfAsked(r);
          yield reply(r, ctx, i++);
        }
      } catch (e) {
        if (ctx.signal.aborted) probe.emit("aborted", "Bidi", ctx.signal.reason);
        throw e;
      }
    },
  };
}

function reply(req: EchoRequest, ctx: ServerCallContext, index: number): EchoReply {
  const payload = (req.size ?? 0) > 0 ? Buffer.alloc(req.size!, 0x61) : req.payload;
  return { text: req.text ?? "", payload, index, labels: { encoding: ctx.responseEncoding, compressed: String(ctx.lastRequestCompressed) } };
}

function failIfAsked(req: EchoRequest): void {
  if (req.text === "throw-type-error") throw new TypeError("boom");
  if ((req.status ?? 0) !== 0) throw new RpcError(req.status as Code, req.message ?? "", { metadata: { "x-error-detail": "from-handler" } });
}

/** Request metadata `x-echo-*` comes back as response headers, `x-trailer-*` as trailers. */
function echoMetadata(ctx: ServerCallContext): void {
  for (const [k, v] of ctx.requestMetadata) {
    if (k.startsWith("x-echo-")) ctx.responseHeaders.append(k, v);
    if (k.startsWith("x-trailer-")) ctx.responseTrailers.append(k, v);
  }
}

async function pause(ms: number, ctx: ServerCallContext, probe: EventEmitter, method: string): Promise<void> {
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, { signal: ctx.signal });
  } catch {
    probe.emit("aborted", method, ctx.signal.reason);
    throw ctx.signal.reason;
  }
}

export interface EchoServer {
  readonly server: Server;
  readonly port: number;
  readonly target: string;
  readonly probe: EventEmitter;
}

/** A Weir server with the echo service on 127.0.0.1 and a free port. */
export async function startEchoServer(options: ServerOptions = {}): Promise<EchoServer> {
  const probe = new EventEmitter();
  const server = createServer(options).service(Echo, echoImpl(probe));
  const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
  return { server, port, target: `127.0.0.1:${port}`, probe };
}

let definition: grpc.GrpcObject | undefined;

/** The grpc-js package object of testdata/echo.proto (plus any other files given). */
export function grpcJsPackage(): grpc.GrpcObject {
  definition ??= grpc.loadPackageDefinition(protoLoader.loadSync(ECHO_PROTO_FILE, { keepCase: true, longs: Number, defaults: false }));
  return definition;
}

/** A grpc-js client of the echo service. */
export function echoClient(target: string, options: grpc.ChannelOptions = {}, creds = grpc.credentials.createInsecure()): any {
  const Ctor = (grpcJsPackage() as any).weir.test.server.Echo as typeof grpc.Client;
  return new Ctor(target, creds, options);
}

export interface UnaryResult<T> {
  value: T;
  headers: grpc.Metadata;
  status: grpc.StatusObject;
}

/** Run a grpc-js unary or client-streaming call and collect its reply, headers and status. */
export function unaryCall<T = EchoReply>(
  start: (cb: (err: grpc.ServiceError | null, value?: T) => void) => grpc.ClientUnaryCall | grpc.ClientWritableStream<unknown>,
): Promise<UnaryResult<T>> & { call: grpc.ClientUnaryCall | grpc.ClientWritableStream<unknown> } {
  let headers = new grpc.Metadata();
  let status: grpc.StatusObject | undefined;
  let call!: grpc.ClientUnaryCall | grpc.ClientWritableStream<unknown>;
  const p = within(new Promise<UnaryResult<T>>((resolve, reject) => {
    let result: { err: grpc.ServiceError | null; value?: T } | undefined;
    const settle = () => {
      if (result === undefined || status === undefined) return;
      if (result.err) reject(result.err);
      else resolve({ value: result.value as T, headers, status });
    };
    call = start((err, value) => {
      result = { err, value };
      settle();
    });
    call.on("metadata", (md: grpc.Metadata) => (headers = md));
    call.on("status", (s: grpc.StatusObject) => {
      status = s;
      settle();
    });
  }), "the unary call's result");
  return Object.assign(p, { call });
}

/** Collect a grpc-js response stream: the messages, or the error with the messages before it. */
export async function collect<T = EchoReply>(stream: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>): Promise<T[]> {
  const out: T[] = [];
  for await (const m of stream as AsyncIterable<T>) out.push(m);
  return out;
}

/** Waits for the probe's next event of `name` for `method`. */
export function nextEvent(probe: EventEmitter, name: string, method: string): Promise<unknown[]> {
  return new Promise((resolve) => {
    const on = (m: string, ...rest: unknown[]) => {
      if (m !== method) return;
      probe.off(name, on);
      resolve(rest);
    };
    probe.on(name, on);
  });
}

export interface RawResponse {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders | undefined;
  body: Buffer;
  /** The RST_STREAM code if the server reset the stream. */
  rstCode: number;
}

export interface RawRequestOptions {
  headers?: http2.OutgoingHttpHeaders;
  /** Leave the request open (no END_STREAM) after the body. Default false. */
  keepOpen?: boolean;
}

/** A gRPC request from a raw node:http2 session: send exactly these bytes, collect what comes back. */
export function rawRequest(session: http2.ClientHttp2Session, path: string, body: Buffer | readonly Buffer[], o: RawRequestOptions = {}): Promise<RawResponse> {
  return within(new Promise((resolve, reject) => {
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...o.headers });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    req.on("response", (h) => (headers = h));
    req.on("trailers", (t) => (trailers = t));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => {});
    req.on("close", () => resolve({ headers, trailers, body: Buffer.concat(chunks), rstCode: req.rstCode ?? 0 }));
    session.once("error", reject);
    for (const b of Array.isArray(body) ? body : [body]) req.write(b);
    if (!o.keepOpen) req.end();
  }), "the raw call's trailers");
}

/** grpc-status and grpc-message of a raw response (trailers, or the headers of a trailers-only one). */
export function rawStatus(r: RawResponse): { code: number; message: string } {
  const src = r.trailers ?? r.headers;
  return { code: Number(src["grpc-status"] ?? NaN), message: decodeURIComponent(String(src["grpc-message"] ?? "")) };
}

/** One gRPC envelope. */
export function frame(payload: Uint8Array, compressed = false): Buffer {
  const out = Buffer.alloc(5 + payload.byteLength);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(payload.byteLength, 1);
  out.set(payload, 5);
  return out;
}

/** The envelopes of a response body. */
export function unframe(body: Buffer): { compressed: boolean; payload: Buffer }[] {
  const out: { compressed: boolean; payload: Buffer }[] = [];
  for (let at = 0; at + 5 <= body.length;) {
    const n = body.readUInt32BE(at + 1);
    out.push({ compressed: body[at] === 1, payload: body.subarray(at + 5, at + 5 + n) });
    at += 5 + n;
  }
  return out;
}

/** A cleartext HTTP/2 session to the server. */
export function rawSession(port: number, settings: http2.Settings = {}): Promise<http2.ClientHttp2Session> {
  return within(new Promise((resolve, reject) => {
    const s = http2.connect(`http://127.0.0.1:${port}`, { settings });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  }), "the HTTP/2 connection");
}
