import http2, { type Http2SecureServer, type Http2Server, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, RpcError } from "../../core/index.js";
import { Router, type MethodMap, type Middleware, type ServerCallContext, type ServiceDescriptor, type ServiceImpl, type ServiceOptions } from "../../rpc/index.js";
import { HealthService } from "../../rpc/health/index.js";
import { ReflectionService } from "../../rpc/reflection/index.js";
import { Connections } from "./connections.js";
import { manageSession } from "./keepalive.js";
import { GrpcServerEngine } from "./server.js";
import { resolveGrpcServerOptions, type GrpcServerOptions, type ResolvedGrpcServerOptions } from "./server-options.js";
import { goaway, shutdown } from "./shutdown.js";

/** TLS of a server: with it, connections are TLS with ALPN `h2`; without it, cleartext HTTP/2 (h2c). */
export interface ServerTlsOptions {
  /** Private key (PEM). */
  key: string | Buffer;
  /** Certificate chain (PEM). */
  cert: string | Buffer;
  /** CAs trusted for client certificates (PEM). Default: Node's bundled roots. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Ask clients for a certificate and reject those without a valid one (mutual TLS). Default false. */
  requestCert?: boolean;
}

/**
 * Options of `createServer`: the gRPC engine's (limits, compression, keepalive, connection idle
 * and age, shutdown grace) plus middleware, TLS and the built-in services.
 */
export interface ServerOptions extends GrpcServerOptions {
  /** Middleware around every handler, outermost first. Default none. */
  middleware?: readonly Middleware<ServerCallContext>[];
  /** TLS with ALPN h2. Default: cleartext HTTP/2 (h2c). */
  tls?: ServerTlsOptions;
  /** Serve `grpc.health.v1.Health`. Default true. */
  health?: boolean;
  /** Serve server reflection (`grpc.reflection.v1` and `v1alpha`). Default true. */
  reflection?: boolean;
}

export interface ListenOptions {
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to bind. Default: every interface (Node's default). */
  host?: string;
}

/** Where a server listens. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * A gRPC server on node:http2: many services on one port, all four call kinds, health and
 * reflection built in.
 *
 * @example
 * const server = createServer({ middleware: [logging] }).service(Greeter, greeterImpl);
 * const { port } = await server.listen({ port: 50051, host: "0.0.0.0" });
 * process.once("SIGTERM", () => server.close()); // GOAWAY, drain up to shutdownGraceMs, cancel the rest
 */
export function createServer(options: ServerOptions = {}): Server {
  return new Server(options);
}

export class Server {
  /** Routes calls by path; `service()` adds to it. */
  readonly router: Router;
  /** The gRPC protocol engine: hand it HTTP/2 streams from elsewhere with `engine.handleStream`. */
  readonly engine: GrpcServerEngine;
  /**
   * The node:http2 server. To serve connections accepted elsewhere (protocol detection on a shared
   * port), pass each socket with `server.httpServer.emit("connection", socket)`.
   */
  readonly httpServer: Http2Server | Http2SecureServer;
  /** The health service; set statuses with `server.health.setStatus(name, "SERVING")`. */
  readonly health: HealthService;
  readonly options: ResolvedGrpcServerOptions;
  private readonly sessions = new Set<Http2Session>();
  private readonly connections: Connections;
  private closing: Promise<void> | undefined;

  constructor(options: ServerOptions = {}) {
    this.options = resolveGrpcServerOptions(options);
    this.router = new Router({ middleware: options.middleware ?? [] });
    this.engine = new GrpcServerEngine(this.router, this.options);
    this.httpServer = createHttp2Server(this.options, options.tls);
    this.connections = new Connections(this.options);
    const unlimited = this.options.maxConnections === Infinity;
    this.httpServer.on("stream", unlimited ? this.engine.handleStream : this.connections.wrap(this.engine.handleStream));
    this.httpServer.on("session", (session: Http2Session) => this.adopt(session));
    this.httpServer.on("sessionError", ignore);
    this.health = new HealthService();
    if (options.health ?? true) {
      this.router.service(this.health.descriptor, this.health.impl);
      this.health.setStatus("", "SERVING");
      this.health.setStatus(this.health.descriptor.name, "SERVING");
    }
    if (options.reflection ?? true) {
      const reflection = new ReflectionService(() => this.router.services());
      this.router.service(reflection.v1, reflection.impl).service(reflection.v1alpha, reflection.impl);
    }
  }

  /** Register a service; its health status becomes SERVING. Methods left out answer UNIMPLEMENTED. */
  service<M extends MethodMap>(descriptor: ServiceDescriptor<M>, impl: ServiceImpl<M>, options?: ServiceOptions): this {
    this.router.service(descriptor, impl, options);
    if (this.router.hasService(this.health.descriptor.name)) this.health.setStatus(descriptor.name, "SERVING");
    return this;
  }

  /** Start listening; resolves with the bound address (the chosen port when `port` is 0). */
  listen(options: ListenOptions = {}): Promise<ServerAddress> {
    if (this.closing !== undefined) return Promise.reject(new RpcError(Code.FailedPrecondition, "the server is closed"));
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(new RpcError(Code.Unavailable, `cannot listen: ${e.message}`, { cause: e }));
      this.httpServer.once("error", onError);
      this.httpServer.listen(options.port ?? 0, options.host, () => {
        this.httpServer.off("error", onError);
        resolve(this.address()!);
      });
    });
  }

  /** The bound address, or undefined before `listen`. */
  address(): ServerAddress | undefined {
    const a = this.httpServer.address() as AddressInfo | string | null;
    if (a === null || typeof a === "string") return undefined;
    return { host: a.address, port: a.port };
  }

  /**
   * Graceful shutdown: stop accepting, GOAWAY every connection, let calls in flight finish for up
   * to `graceMs` (default `shutdownGraceMs`, 10 s), then cancel the rest (their `ctx.signal`
   * aborts; their clients get UNAVAILABLE). Health statuses turn NOT_SERVING and Watch calls end.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.closing === undefined) {
      this.health.shutdown();
      this.connections.stop();
      const graceMs = options.graceMs ?? this.options.shutdownGraceMs;
      this.closing = shutdown({ listener: this.httpServer, sessions: this.sessions, engine: this.engine }, graceMs);
    }
    return this.closing;
  }

  private adopt(session: Http2Session): void {
    this.sessions.add(session);
    session.on("error", ignore);
    session.once("close", () => this.sessions.delete(session));
    if (this.closing !== undefined) return goaway(session);
    if (this.connections.admit(session) === undefined) return;
    try {
      session.setLocalWindowSize(this.options.connectionWindowBytes);
    } catch {
      // the session is already going away
    }
    manageSession(session, this.options);
  }
}

function createHttp2Server(o: ResolvedGrpcServerOptions, tls: ServerTlsOptions | undefined): Http2Server | Http2SecureServer {
  const maxHeaderListSize = Math.max(65_535, o.limits.maxMetadataBytes * 2);
  const common = {
    settings: {
      maxConcurrentStreams: o.maxConcurrentStreams,
      initialWindowSize: o.streamWindowBytes,
      maxHeaderListSize,
      enablePush: false,
    },
    maxHeaderListPairs: Math.max(128, Math.ceil(maxHeaderListSize / 32)),
  };
  if (tls === undefined) return http2.createServer(common);
  return http2.createSecureServer({
    ...common,
    handshakeTimeout: o.handshakeTimeoutMs, // the TLS handshake; the HTTP/2 one gets as long again

    key: tls.key,
    cert: tls.cert,
    ca: tls.ca,
    requestCert: tls.requestCert ?? false,
    rejectUnauthorized: tls.requestCert ?? false,
    allowHTTP1: false,
    ALPNProtocols: ["h2"],
  });
}

function ignore(): void {}
