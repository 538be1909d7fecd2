// A real model server (Weir gRPC server with the Generation service on the built-in engine, plus
// a small test service of every call kind) for the gateway tests. The gateway calls it over gRPC.
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, RpcError, loadProtoSync, type Middleware, type ServerCallContext, type ServiceDescriptor } from "../../src/index.js";
import { createBuiltinEngine, createGenerationService, EngineStats, generationDescriptor, trackGenerations, type TrackedEngine } from "../../src/serving/index.js";
import { createGrpcTransport, createServer, type GrpcTransport, type GrpcTransportOptions, type Server } from "../../src/transport/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "weir-gateway-"));
const protoFile = path.join(dir, "probe.proto");
writeFileSync(protoFile, `
  syntax = "proto3";
  package gw.test;
  message Req { string text = 1; int32 count = 2; int32 delay_ms = 3; int32 fail = 4; int32 fail_after = 5; }
  message Rep { string text = 1; int32 index = 2; string request_id = 3; string tag = 4; int64 deadline_ms = 5; }
  service Probe {
    rpc Unary(Req) returns (Rep);
    rpc Server(Req) returns (stream Rep);
    rpc Client(stream Req) returns (Rep);
    rpc Bidi(stream Req) returns (stream Rep);
  }
`);

/** The Probe service: requests say how to answer. */
export const probeService: ServiceDescriptor = loadProtoSync(protoFile).service("gw.test.Probe");
type Req = { text: string; count: number; delay_ms: number; fail: number; fail_after: number };

const probeImpl = {
  async Unary(req: Req, ctx: ServerCallContext) {
    if (req.delay_ms > 0) await sleep(req.delay_ms, undefined, { signal: ctx.signal });
    if (req.fail) throw new RpcError(req.fail, `asked to fail with ${req.fail}`);
    const left = ctx.timeRemaining();
    return {
      text: req.text, request_id: ctx.requestMetadata.getString("x-request-id") ?? "", tag: ctx.requestMetadata.getString("x-tag") ?? "",
      deadline_ms: left === undefined ? 0 : Math.max(1, Math.round(left)),
    };
  },
  async *Server(req: Req, ctx: ServerCallContext) {
    for (let i = 0; i < req.count; i++) {
      if (req.fail && i === req.fail_after) throw new RpcError(req.fail, `failed after ${i} messages`);
      if (req.delay_ms > 0) await sleep(req.delay_ms, undefined, { signal: ctx.signal });
      const left = ctx.timeRemaining();
      yield { text: req.text, index: i, deadline_ms: left === undefined ? 0 : Math.max(1, Math.round(left)) };
    }
  },
  async Client(reqs: AsyncIterable<Req>) {
    let text = "";
    for await (const r of reqs) text += r.text;
    return { text };
  },
  async *Bidi(reqs: AsyncIterable<Req>) {
    let i = 0;
    for await (const r of reqs) {
      if (r.fail) throw new RpcError(r.fail, "asked to fail");
      yield { text: r.text.toUpperCase(), index: i++ };
    }
  },
};

export interface ModelServer {
  readonly server: Server;
  readonly port: number;
  readonly transport: GrpcTransport;
  /** Counters of the paced engine ("paced", 200 tokens/s, runs to max_tokens). */
  readonly stats: EngineStats;
  readonly paced: TrackedEngine;
  close(): Promise<void>;
}

export interface ModelServerOptions {
  /** Pace of the tracked "paced" engine; 0 = unthrottled. Default 200. */
  tokensPerSecond?: number;
  /** Largest max_tokens the engines accept. Default the engine's (4096). */
  maxTokensLimit?: number;
  /** HTTP/2 receive window of the client transport's streams. Default the transport's (1 MiB). */
  streamWindowBytes?: number;
  /** Server middleware (governance limits, auth…). Default none. */
  middleware?: readonly Middleware<ServerCallContext>[];
  /** The server's HTTP/2 concurrent streams per connection. Default the server's (100). */
  maxConcurrentStreams?: number;
  /** More options of the client transport (its connection pool…). */
  transport?: Partial<GrpcTransportOptions>;
}

/** Start the model server: engines "fast" (default model, unthrottled) and "paced" (tracked). */
export async function startModelServer(o: ModelServerOptions = {}): Promise<ModelServer> {
  const stats = new EngineStats();
  const limits = o.maxTokensLimit === undefined ? undefined : { maxTokensLimit: o.maxTokensLimit };
  const fast = await createBuiltinEngine({ id: "fast", limits });
  const paced = trackGenerations(await createBuiltinEngine({ id: "paced", tokensPerSecond: o.tokensPerSecond ?? 200, stats, limits, ignoreEndOfText: true }));
  const server = createServer({ middleware: o.middleware, maxConcurrentStreams: o.maxConcurrentStreams }).service(generationDescriptor(), createGenerationService({ engines: [fast, paced] })).service(probeService, probeImpl);
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  const transport = createGrpcTransport({ target: `127.0.0.1:${port}`, streamWindowBytes: o.streamWindowBytes, ...o.transport });
  return {
    server, port, transport, stats, paced,
    async close() {
      await transport.close();
      await server.close({ graceMs: 100 });
    },
  };
}

/** Listen with a node:http server on a free loopback port; resolves with its base URL. */
export async function listenHttp(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Close a node:http server and every connection it holds. */
export function closeHttp(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The generation that started last has fully ended; returns tokens produced after its signal aborted. */
export async function tokensAfterAbort(m: ModelServer): Promise<number> {
  await m.paced.ended[m.paced.ended.length - 1];
  const at = m.paced.tokensAtAbort[m.paced.tokensAtAbort.length - 1];
  if (at === undefined) throw new Error("the generation was not aborted");
  return m.stats.generatedTokens - at;
}

export { Code };
