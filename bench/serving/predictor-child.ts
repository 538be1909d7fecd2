/**
 * The predictor of the serving benchmarks: a Weir OIP server (gRPC, and REST on a gateway) in a
 * process of its own. argv[2]: JSON `{ models: [{ name, file?, builtin?, maxBatchSize?, batching? }] }`
 * (`file`: an ONNX file; `builtin`: "add_sub"). Prints `{"grpc": port, "http": port}` when ready;
 * on a `cpu` line on stdin, prints `{"cpu_ms": n}`.
 */
import { createInterface } from "node:readline";
import { createGateway } from "../../src/gateway/index.js";
import { createHttpServer } from "../../src/http/index.js";
import { addSubModel, createModelRepository, createOipServer, loadOnnxModel, type Model } from "../../src/serving/index.js";
import { createServer } from "../../src/transport/index.js";

interface ModelSpec { name: string; file?: string; builtin?: "add_sub"; maxBatchSize?: number; batching?: boolean; maxQueueDelayMicroseconds?: number }

const spec = JSON.parse(process.argv[2] ?? "{}") as { models: ModelSpec[] };
const MESSAGE_BYTES = 64 << 20;

async function load(m: ModelSpec): Promise<Model> {
  if (m.builtin === "add_sub") return addSubModel();
  return loadOnnxModel(m.file!, {
    name: m.name,
    maxBatchSize: m.maxBatchSize ?? 8,
    ...(m.batching ? { dynamicBatching: { maxQueueDelayMicroseconds: m.maxQueueDelayMicroseconds ?? 0 } } : {}),
  });
}

const repository = createModelRepository({ models: await Promise.all(spec.models.map(load)) });
const oip = createOipServer({ repository, limits: { maxTensorBytes: MESSAGE_BYTES } });
const grpc = createServer({
  limits: { maxReceiveMessageBytes: MESSAGE_BYTES, maxSendMessageBytes: MESSAGE_BYTES },
  maxConnectionSendBufferBytes: 512 << 20, maxSendBufferBytes: 1 << 30,
}).service(oip.service, oip.handlers);
const { port: grpcPort } = await grpc.listen({ host: "127.0.0.1", port: 0 });
const http = createHttpServer(createGateway({ routes: oip.routes, maxBodyBytes: MESSAGE_BYTES }).handle, { maxConnections: 1024 });
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
const httpPort = (http.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ grpc: grpcPort, http: httpPort })}\n`);

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() !== "cpu") return;
  const u = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpu_ms: (u.user + u.system) / 1000 })}\n`);
});
process.once("SIGTERM", () => {
  http.closeAllConnections();
  void Promise.all([grpc.close({ graceMs: 0 }), repository.close()]).then(() => process.exit(0));
});
