// A gateway in its own process (for measuring its memory): routes /api/generate to the model
// server at argv[2] over gRPC; sends its URL to the parent over IPC and answers "rss" with its RSS.
import http from "node:http";
import { createGateway } from "../../src/gateway/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { createGrpcTransport } from "../../src/transport/index.js";
import { listenHttp } from "./fixture.js";

const transport = createGrpcTransport({ target: process.argv[2]! });
const gateway = createGateway({
  services: [generationDescriptor()],
  transport,
  routes: [{ path: "/api/generate", rpc: "weir.generation.v1.Generation/Generate" }],
});
const server = http.createServer(gateway.handle);
const url = await listenHttp(server);
process.on("message", (m) => {
  if (m === "rss") process.send!({ rss: process.memoryUsage().rss });
});
process.on("disconnect", () => process.exit(0));
process.send!({ url });
