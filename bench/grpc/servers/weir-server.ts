/**
 * The echo service on Weir's server: handlers in the shapes users write (a function for Unary, an
 * async generator for ServerStream).
 */
import { loadProtoSync } from "../../../src/codec/protobuf/index.js";
import { createServer } from "../../../src/transport/grpc/grpc-server.js";
import { ECHO_PROTO } from "../../lib/paths.js";
import type { EchoMessage, EchoMethods } from "../echo-types.js";
import type { BenchServer } from "./types.js";

export async function startWeirServer(): Promise<BenchServer> {
  const Echo = loadProtoSync(ECHO_PROTO).service<EchoMethods>("bench.echo.Echo");
  const server = createServer().service(Echo, {
    Unary: (req) => req,
    async *ServerStream(req) {
      const message: EchoMessage = { payload: Buffer.alloc(req.size, 7) };
      for (let i = 0; i < req.count; i++) yield message;
    },
  });
  const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
  return { port, close: () => server.close({ graceMs: 1000 }) };
}
