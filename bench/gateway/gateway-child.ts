/**
 * The gateway of the gateway benchmark: `/api/generate` (SSE) to the model server at argv[2]
 * over gRPC. Prints `{"port": N}`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createGateway } from "../../src/gateway/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { createGrpcTransport } from "../../src/transport/index.js";

const gateway = createGateway({
  services: [generationDescriptor()],
  transport: createGrpcTransport({ target: process.argv[2]! }),
  routes: [{ path: "/api/generate", rpc: "weir.generation.v1.Generation/Generate" }],
});
const server = http.createServer(gateway.handle);
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
process.once("SIGTERM", () => {
  void gateway.close();
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
