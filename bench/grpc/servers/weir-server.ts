/**
 * The echo service on Weir's server: handlers in the shapes users write (a function for Unary, an
 * async generator for ServerStream).
 */
import { ECHO_PROTO } from "../../lib/paths.js";
import type { BenchServer } from "./types.js";
import { importWeirServer } from "../weir-modules.js";

interface EchoMessage { payload: Uint8Array }
interface StreamRequest { count: number; size: number }

export async function startWeirServer(): Promise<BenchServer> {
  const { createServer, loadProtoSync } = await importWeirServer();
  const Echo = loadProtoSync(ECHO_PROTO).service("bench.echo.Echo");
  const server = createServer({});
  server.service(Echo, {
    Unary: (req: EchoMessage) => req,
    async *ServerStream(req: StreamRequest) {
      const message: EchoMessage = { payload: Buffer.alloc(req.size, 7) };
      for (let i = 0; i < req.count; i++) yield message;
    },
  });
  const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
  return { port, close: () => server.close() };
}
