/**
 * Serve Echo on one port in every protocol at once: gRPC (Thrift payloads), Kitex TTHeader,
 * Apache framed, buffered and THeader (binary, compact, zlib).
 */
import type { Middleware, ServerCallContext } from "weir";
import { createServer } from "weir/grpc";
import { listenAllProtocols, type MultiProtocolOptions, type MultiProtocolServer } from "weir/thrift";
import { Echo, echoImpl } from "./service.js";

export interface EchoServerOptions extends MultiProtocolOptions {
  /** Server middleware (e.g. to watch which protocol each call came in on). */
  middleware?: readonly Middleware<ServerCallContext>[];
}

/** Start the Echo server; resolves once it listens. Options other than `middleware` go to `listenAllProtocols`. */
export function startEchoServer(o: EchoServerOptions = {}): Promise<MultiProtocolServer> {
  const { middleware, ...listen } = o;
  const server = createServer({ health: false, reflection: false, middleware }).service(Echo, echoImpl());
  return listenAllProtocols(server, {
    ...listen, port: o.port ?? 0, host: o.host ?? "127.0.0.1", thrift: { fallbackService: "Echo", ...o.thrift },
  });
}
