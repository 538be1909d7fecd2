/**
 * Serve Echo on one port in every protocol at once: gRPC (Thrift payloads), Kitex TTHeader,
 * Apache framed, buffered and THeader (binary, compact, zlib).
 */
import { listenAllProtocols, type MultiProtocolServer } from "../../src/transport/detection/serve.js";
import type { Middleware, ServerCallContext } from "../../src/index.js";
import { createServer } from "../../src/transport/server.js";
import { Echo, echoImpl } from "./service.js";

export interface EchoServerOptions {
  port?: number;
  host?: string;
  log?: (message: string) => void;
  /** Server middleware (e.g. to watch which protocol each call came in on). */
  middleware?: readonly Middleware<ServerCallContext>[];
}

/** Start the Echo server; resolves once it listens. */
export function startEchoServer(o: EchoServerOptions = {}): Promise<MultiProtocolServer> {
  const server = createServer({ health: false, reflection: false, middleware: o.middleware }).service(Echo, echoImpl());
  return listenAllProtocols(server, { port: o.port ?? 0, host: o.host ?? "127.0.0.1", log: o.log, thrift: { fallbackService: "Echo" } });
}
