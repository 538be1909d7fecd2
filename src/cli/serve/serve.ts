import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpServer } from "../../http/index.js";
import { createMetrics, type Metrics } from "../../observability/metrics/index.js";
import { createClient } from "../../rpc/index.js";
import {
  createMemoryJobQueue, createRedisJobQueue, generationDescriptor, generationJobRunner, jobRoutes,
  type Engine, type EngineStats, type GenerateStreamClient, type JobQueue,
} from "../../serving/index.js";
import { UsageError } from "../io.js";
import type { MultiProtocolServer } from "../../transport/detection/index.js";
import { createGrpcTransport } from "../../transport/index.js";
import { createGateway, openAiRoutes, type Gateway } from "../../gateway/index.js";
import { createApp } from "./app.js";
import { InFlight } from "./in-flight.js";
import { startModelServer } from "./model-server.js";
import { serveRoutes } from "./routes.js";
import { resolveServeOptions, webSocketOptionsOf, type ResolvedServeOptions, type ServeOptions } from "./options.js";
import { loadPage } from "./page.js";

/** A running `weir serve`. */
export interface RunningServe {
  readonly options: ResolvedServeOptions;
  /** Base URL of the HTTP gateway, e.g. `http://127.0.0.1:8080`. */
  readonly httpUrl: string;
  /** `host:port` of the model server (gRPC and Thrift on one port). */
  readonly rpcAddress: string;
  readonly engine: Engine;
  readonly stats: EngineStats;
  readonly metrics: Metrics;
  /** The models served with the Open Inference Protocol (REST `/v2`, gRPC on the RPC port), ready or not. */
  readonly models: readonly string[];
  /**
   * Drain and stop: refuse new HTTP connections, let streams in flight finish for up to
   * `graceMs`, then cancel what is left (the engine stops within one token), and stop the model
   * server. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Start the model server (Generation service on the built-in engine; gRPC with Protobuf or
 * Thrift payloads, and Thrift framed/TTHeader, on `rpcPort`) and the HTTP gateway on `httpPort`,
 * which calls the model server over gRPC like any other client.
 *
 * @example
 * const s = await startServe({ httpPort: 0, rpcPort: 0 });
 * console.log(`${s.httpUrl}/`);
 * process.once("SIGINT", () => void s.close());
 */
export async function startServe(options: ServeOptions = {}): Promise<RunningServe> {
  const o = resolveServeOptions(options);
  const page = loadPage();
  const { engine, stats, scheduler, rpc, oip, repository } = await startModelServer(o, (e) => cannotListen("the model server", o.host, o.rpcPort, "--rpc-port", e));
  const rpcAddress = `${hostForUrl(o.host)}:${rpc.address.port}`;
  const target = `${dialHost(o.host)}:${rpc.address.port}`;
  const transport = createGrpcTransport({
    target, maxConnections: o.upstreamConnections, maxWaitingCalls: o.upstreamQueue, streamWaitTimeoutMs: o.upstreamWaitMs,
  });
  // The health probe has a connection of its own: it must never wait behind generations.
  const healthTransport = createGrpcTransport({ target, maxConnections: 1 });
  const client = createClient(generationDescriptor(), healthTransport);
  const metrics = createMetrics({ engine: stats, ...(scheduler === undefined ? {} : { scheduler }) });
  const inFlight = new InFlight();
  const jobs = await startJobQueue(o, createClient(generationDescriptor(), transport)).catch(async (e: unknown) => {
    await Promise.all([rpc.close({ graceMs: 0 }), transport.close(), healthTransport.close(), repository.close()]);
    throw e;
  });
  const gateway = createGateway({
    services: [generationDescriptor()], transport, defaultTimeoutMs: o.requestTimeoutMs, defaultStreamTimeoutMs: o.streamTimeoutMs,
    resume: { graceMs: o.resumeGraceMs, retentionMs: o.resumeRetentionMs, maxStreams: o.resumeMaxStreams, maxStreamsPerClient: o.resumePerClient },
    routes: [...jobRoutes(jobs), ...serveRoutes(openAiRoutes({ service: generationDescriptor(), transport })), ...oip.routes],
    websocket: webSocketOptionsOf(o),
  });
  const closeTransports = () => Promise.all([jobs.close().then(() => transport.close()), healthTransport.close(), repository.close()]).then(() => undefined);
  const httpServer = createHttpServer(createApp({ client, metrics, page, inFlight, gateway }), {
    maxConnections: o.maxHttpConnections,
    allowedHosts: o.allowedHosts,
    onUpgrade: (req, socket, head) => {
      socket.once("close", inFlight.enter());
      gateway.handleUpgrade(req, socket, head);
    },
  });
  try {
    await listen(httpServer, o.host, o.httpPort);
  } catch (e) {
    await Promise.all([gateway.close(), rpc.close({ graceMs: 0 }), closeTransports()]);
    throw cannotListen("the HTTP gateway", o.host, o.httpPort, "--http-port", e);
  }
  const httpPort = (httpServer.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    options: o,
    httpUrl: `http://${hostForUrl(o.host)}:${httpPort}`,
    rpcAddress,
    engine,
    stats,
    metrics,
    models: [...new Set(repository.index().map((m) => m.name))],
    close: () => (closing ??= shutdown({ httpServer, gateway, rpc, inFlight, closeTransport: closeTransports }, o.graceMs)),
  };
}

interface Parts {
  httpServer: http.Server;
  gateway: Gateway;
  rpc: MultiProtocolServer;
  inFlight: InFlight;
  closeTransport: () => Promise<void>;
}

async function shutdown(p: Parts, graceMs: number): Promise<void> {
  const stopped = new Promise<void>((resolve) => p.httpServer.close(() => resolve()));
  p.httpServer.closeIdleConnections();
  const drained = await p.inFlight.idle(graceMs);
  // Calls still running are cancelled at the model server first, so that their HTTP streams end
  // with an error event or message (UNAVAILABLE) rather than a cut connection.
  await p.rpc.close({ graceMs: 0 });
  if (!drained) await p.inFlight.idle(LAST_WORDS_MS);
  await p.gateway.close();
  p.httpServer.closeAllConnections();
  await stopped;
  await p.closeTransport();
}

/** After the grace period, how long HTTP streams get to send their last event. */
const LAST_WORDS_MS = 1000;

/** A listen failure, with the flag to change when the port is taken. */
function cannotListen(what: string, host: string, port: number, flag: string, e: unknown): Error {
  const text = e instanceof Error ? e.message : String(e);
  const taken = /EADDRINUSE/.test(text) ? `; the port is taken, choose another with ${flag}` : "";
  return new Error(`${what} cannot listen on ${hostForUrl(host)}:${port}: ${text}${taken}`, { cause: e });
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The address to dial for a bound host: a wildcard bind is reached on loopback. */
function dialHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  return hostForUrl(host);
}

function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** The `/v1/jobs` queue: in this process, or in the Redis of `--jobs-redis`, shared with other workers. */
async function startJobQueue(o: ResolvedServeOptions, client: GenerateStreamClient): Promise<JobQueue> {
  const run = generationJobRunner(client);
  if (o.jobsRedis === "") return createMemoryJobQueue(run, { concurrency: o.jobsConcurrency });
  try {
    return await createRedisJobQueue(run, { url: o.jobsRedis, concurrency: o.jobsConcurrency, lockMs: o.jobsLockMs });
  } catch (e) {
    throw new UsageError(`--jobs-redis ${o.jobsRedis}: ${(e as Error).message}`);
  }
}
