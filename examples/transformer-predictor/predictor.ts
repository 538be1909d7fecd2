// The predictor of the transformer → predictor example: the ONNX test models served with the Open
// Inference Protocol, REST on --http-port and gRPC on --grpc-port (0: a free port). Prints
// `{"http": N, "grpc": M}` on stdout when ready; SIGTERM or SIGINT closes it gracefully.
import { intFlag, readFlags, runProgram, stringFlag } from "./flags.js";
import { PREDICTOR_DEFAULTS, startPredictor } from "./predictor-server.js";
import { closeOnSignals } from "./signals.js";

const USAGE = `usage: node dist/examples/transformer-predictor/predictor.js [--http-port N] [--grpc-port N] [--host H]
  [--model-repository DIR] [--max-batch-size N] [--batching] [--max-message-bytes N]`;

runProgram(USAGE, async () => {
  const v = readFlags(process.argv.slice(2), {
    "http-port": { type: "string", default: "8000" },
    "grpc-port": { type: "string", default: "8001" },
    host: { type: "string", default: "127.0.0.1" },
    "model-repository": { type: "string" },
    "max-batch-size": { type: "string", default: String(PREDICTOR_DEFAULTS.maxBatchSize) },
    batching: { type: "boolean", default: false },
    "max-message-bytes": { type: "string", default: String(PREDICTOR_DEFAULTS.maxMessageBytes) },
  });
  const predictor = await startPredictor({
    host: stringFlag(v, "host"),
    httpPort: intFlag(v, "http-port", 0, 65_535),
    grpcPort: intFlag(v, "grpc-port", 0, 65_535),
    ...(v["model-repository"] === undefined ? {} : { modelRepository: stringFlag(v, "model-repository") }),
    maxBatchSize: intFlag(v, "max-batch-size", 1, 1024),
    batching: v["batching"] === true,
    maxMessageBytes: intFlag(v, "max-message-bytes", 1 << 20, 1 << 30),
  });
  process.stdout.write(`${JSON.stringify({ http: predictor.httpPort, grpc: predictor.grpcPort })}\n`);
  const host = stringFlag(v, "host");
  console.error(`predictor: OIP REST http://${host}:${predictor.httpPort}/v2, gRPC ${host}:${predictor.grpcPort}; models ${predictor.models.join(", ")}`);
  closeOnSignals("predictor", () => predictor.close());
});
