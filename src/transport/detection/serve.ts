import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { Server as TlsServer } from "node:tls";
import { Code, RpcError } from "../../core/index.js";
import type { ListenOptions, Server, ServerAddress } from "../grpc/grpc-server.js";
import { ThriftServerEngine, type ThriftServerOptions } from "../thrift/server.js";
import { DETECTION_DEFAULTS, detectProtocol } from "./detect.js";
import { PortSlots } from "./port-slots.js";

/** Options of `listenAllProtocols`: where to listen, plus Thrift and detection settings. */
export interface MultiProtocolOptions extends ListenOptions {
  /** Options of the Thrift side (frame limit, fallback service, …). */
  thrift?: ThriftServerOptions;
  /** Reasons for closing connections. Default `console.warn`. */
  log?: (message: string) => void;
  /** Close a connection that says nothing recognisable within this many ms. Default 10000. */
  sniffTimeoutMs?: number;
  /**
   * Connections open on the port at once, whatever they speak (including those not yet
   * recognised). Past it, a new connection takes the place of the oldest one that has not yet
   * said what it speaks; when there is none, the new one is closed as soon as it is accepted, and
   * refusals are logged (at most once a second, with their count). Default 1000.
   */
  maxConnections?: number;
}

/** Check the detection options (INVALID_ARGUMENT naming the bad one) and fill in defaults. */
function resolveDetectionOptions(o: MultiProtocolOptions): Readonly<{ sniffTimeoutMs: number; maxConnections: number }> {
  const out = {
    sniffTimeoutMs: o.sniffTimeoutMs ?? DETECTION_DEFAULTS.sniffTimeoutMs,
    maxConnections: o.maxConnections ?? DETECTION_DEFAULTS.maxConnections,
  };
  if (!Number.isInteger(out.sniffTimeoutMs) || out.sniffTimeoutMs < 1 || out.sniffTimeoutMs > 2 ** 31 - 1) {
    throw new RpcError(Code.InvalidArgument, `sniffTimeoutMs must be an integer number of ms from 1 to 2^31-1, got ${out.sniffTimeoutMs}`);
  }
  if (!Number.isInteger(out.maxConnections) || out.maxConnections < 1) {
    throw new RpcError(Code.InvalidArgument, `maxConnections must be a positive integer, got ${out.maxConnections}`);
  }
  return Object.freeze(out);
}

/** Counts a refused connection: logs refusals at most once a second, with their count. */
function countRefusals(log: (message: string) => void, max: number): () => void {
  let refused = 0;
  let timer: NodeJS.Timeout | undefined;
  const report = () => {
    log(`detection: refused ${refused} connection(s): ${max} connections are open, the limit (maxConnections)`);
    refused = 0;
    timer = undefined;
  };
  return () => {
    refused++;
    timer ??= setTimeout(report, 1000).unref();
  };
}

/** A Weir server listening for every protocol on one port. */
export interface MultiProtocolServer {
  readonly address: ServerAddress;
  /** The Thrift engine serving framed, buffered, THeader and TTHeader connections. */
  readonly thrift: ThriftServerEngine;
  readonly listener: NetServer;
  /** Stop listening, close Thrift connections gracefully and shut the gRPC server down. */
  close(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Serve one Weir server's services on one cleartext port in every protocol at once: gRPC (with
 * Protobuf or Thrift payloads) for connections that open with the HTTP/2 preface, and Kitex
 * TTHeader, Apache framed, buffered and THeader for the rest, told apart by their first bytes.
 * Thrift methods are routed by service name where the protocol carries one, else by method name
 * (see `ThriftServerOptions.fallbackService`).
 *
 * @example
 * const server = createServer().service(Echo, echoImpl).service(Greeter, greeterImpl);
 * const all = await listenAllProtocols(server, { port: 8888, thrift: { fallbackService: "Echo" } });
 * process.once("SIGTERM", () => all.close());
 */
export async function listenAllProtocols(server: Server, options: MultiProtocolOptions = {}): Promise<MultiProtocolServer> {
  if (server.httpServer instanceof TlsServer) {
    throw new RpcError(Code.InvalidArgument, "protocol detection serves cleartext connections only");
  }
  const { sniffTimeoutMs, maxConnections } = resolveDetectionOptions(options);
  const log = options.log ?? ((m: string) => console.warn(m));
  const thrift = new ThriftServerEngine(server.router, { log, ...options.thrift });
  const slots = new PortSlots(maxConnections);
  const refused = countRefusals(log, maxConnections);
  const detect = detectProtocol({
    http2: (socket) => {
      slots.handedOver(socket);
      server.httpServer.emit("connection", socket);
    },
    thrift: (socket, initial) => {
      slots.handedOver(socket);
      thrift.handleConnection(socket, initial);
    },
    log,
    sniffTimeoutMs,
  });
  const listener = createNetServer((socket) => {
    if (slots.admit(socket)) return detect(socket);
    socket.destroy();
    refused();
  });
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(new RpcError(Code.Unavailable, `cannot listen: ${e.message}`, { cause: e }));
    listener.once("error", onError);
    listener.listen(options.port ?? 0, options.host, () => {
      listener.off("error", onError);
      const a = listener.address() as AddressInfo;
      resolve({
        address: { host: a.address, port: a.port },
        thrift,
        listener,
        async close(o: { graceMs?: number } = {}) {
          const stopped = new Promise<void>((r) => listener.close(() => r()));
          await Promise.all([thrift.close(o.graceMs), server.close(o), stopped]);
        },
      });
    });
  });
}
