// The transformer of the transformer → predictor example: texts in (KServe V1 or OIP REST), cl100k
// token ids to the predictor over --predictor-protocol (v2, v2-binary or grpc-v2), labels or
// embeddings out. Prints `{"http": N}` on stdout when ready, one latency line per request on
// stderr (unless --enable-latency-logging false); SIGTERM or SIGINT closes it gracefully.
import { booleanFlag, hostPortFlag, intFlag, numberFlag, readFlags, runProgram, stringFlag, UsageError } from "./flags.js";
import { PIPELINE_DEFAULTS } from "./pipeline.js";
import { isPredictorProtocol, PREDICTOR_PROTOCOLS } from "./predictor-client.js";
import { closeOnSignals } from "./signals.js";
import { startTransformer } from "./transformer-server.js";

const USAGE = `usage: node dist/examples/transformer-predictor/transformer.js --predictor-host H:P --predictor-protocol ${PREDICTOR_PROTOCOLS.join("|")}
  [--http-port N] [--host H] [--max-seq-len N] [--enable-latency-logging true|false]
  [--predictor-request-timeout-seconds S] [--max-in-flight N] [--max-instances N] [--max-text-chars N]
  (KServe's underscore spellings work too: --predictor_host, --predictor_protocol, --enable_latency_logging)`;

runProgram(USAGE, async () => {
  const d = PIPELINE_DEFAULTS;
  const v = readFlags(process.argv.slice(2), {
    "predictor-host": { type: "string" },
    "predictor-protocol": { type: "string" },
    "http-port": { type: "string", default: "8080" },
    host: { type: "string", default: "127.0.0.1" },
    "max-seq-len": { type: "string", default: String(d.maxSeqLen) },
    "enable-latency-logging": { type: "string", default: "true" },
    "predictor-request-timeout-seconds": { type: "string", default: String(d.predictorTimeoutMs / 1000) },
    "max-in-flight": { type: "string", default: String(d.maxInFlight) },
    "max-instances": { type: "string", default: String(d.maxInstances) },
    "max-text-chars": { type: "string", default: String(d.maxTextChars) },
  });
  if (v["predictor-host"] === undefined) throw new UsageError("--predictor-host is required (the predictor's host:port)");
  // KServe's transformer calls plain OIP REST "v2"; "rest" is taken as that too.
  const given = String(v["predictor-protocol"] ?? "");
  const protocol = given === "rest" ? "v2" : given;
  if (!isPredictorProtocol(protocol)) throw new UsageError(`--predictor-protocol must be one of ${PREDICTOR_PROTOCOLS.join(", ")} (or rest, the same as v2), got "${given}"`);
  const predictor = hostPortFlag(v, "predictor-host");
  const logging = booleanFlag(v, "enable-latency-logging");
  const transformer = await startTransformer({
    host: stringFlag(v, "host"),
    httpPort: intFlag(v, "http-port", 0, 65_535),
    predictorHost: predictor.host,
    predictorPort: predictor.port,
    protocol,
    maxSeqLen: intFlag(v, "max-seq-len", 1, 4096),
    predictorTimeoutMs: Math.round(numberFlag(v, "predictor-request-timeout-seconds", 0.001, 3600) * 1000),
    maxInFlight: intFlag(v, "max-in-flight", 1, 65_536),
    maxInstances: intFlag(v, "max-instances", 1, 1024),
    maxTextChars: intFlag(v, "max-text-chars", 1, 1 << 20),
    ...(logging ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
  process.stdout.write(`${JSON.stringify({ http: transformer.httpPort })}\n`);
  console.error(`transformer: http://${stringFlag(v, "host")}:${transformer.httpPort} → predictor ${predictor.host}:${predictor.port} over ${protocol}`);
  closeOnSignals("transformer", () => transformer.close());
});
