/**
 * The model server of the gateway benchmark: the Generation service on the built-in engine over
 * Weir's gRPC server. `node model-child.js <tokensPerSecond>`; prints `{"port": N}`.
 */
import { createBuiltinEngine, createGenerationService, generationDescriptor } from "../../src/serving/index.js";
import { createServer } from "../../src/transport/index.js";

const tokensPerSecond = Number(process.argv[2] ?? 0);
const engine = await createBuiltinEngine({ tokensPerSecond, limits: { maxTokensLimit: 1_000_000 } });
const server = createServer({ maxConcurrentStreams: 4096 }).service(generationDescriptor(), createGenerationService({ engines: [engine] }));
const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.once("SIGTERM", () => void server.close({ graceMs: 0 }).then(() => process.exit(0)));
