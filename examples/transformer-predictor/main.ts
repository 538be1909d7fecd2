// `npm run example:transformer-predictor [-- --protocol v2|v2-binary|grpc-v2] [--http-port N]`:
// starts the predictor and a transformer calling it (over grpc-v2 unless told otherwise) as two
// processes on free ports, prints their URLs and a curl line, and stops both on Ctrl-C.
import { readFlags, runProgram, stringFlag, UsageError } from "./flags.js";
import { isPredictorProtocol, PREDICTOR_PROTOCOLS } from "./predictor-client.js";
import { startChild, type ChildServer } from "./processes.js";

const USAGE = `usage: npm run example:transformer-predictor -- [--protocol ${PREDICTOR_PROTOCOLS.join("|")}] [--http-port N]`;

runProgram(USAGE, async () => {
  const v = readFlags(process.argv.slice(2), { protocol: { type: "string", default: "grpc-v2" }, "http-port": { type: "string", default: "0" } });
  const protocol = stringFlag(v, "protocol");
  if (!isPredictorProtocol(protocol)) throw new UsageError(`--protocol must be one of ${PREDICTOR_PROTOCOLS.join(", ")}, got "${protocol}"`);
  const running: ChildServer[] = [];
  const stopAll = (): Promise<unknown> => Promise.all(running.map((c) => c.stop()));
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      stopping = true;
      void stopAll().then(() => process.exit(0));
    });
  }
  try {
    const predictor = await startChild("predictor", ["--http-port", "0", "--grpc-port", "0"], { stderr: "inherit" });
    running.push(predictor);
    const port = protocol === "grpc-v2" ? predictor.ports["grpc"]! : predictor.ports["http"]!;
    const transformer = await startChild("transformer", [
      "--predictor-host", `127.0.0.1:${port}`, "--predictor-protocol", protocol, "--http-port", stringFlag(v, "http-port"),
    ], { stderr: "inherit" });
    running.push(transformer);
    const url = `http://127.0.0.1:${transformer.ports["http"]}`;
    console.log(`predictor    OIP REST http://127.0.0.1:${predictor.ports["http"]}/v2, gRPC 127.0.0.1:${predictor.ports["grpc"]} (pid ${predictor.child.pid})`);
    console.log(`transformer  ${url} → predictor over ${protocol} (pid ${transformer.child.pid})`);
    console.log(`try:\n  curl -s ${url}/v1/models/encoder:predict -H 'content-type: application/json' -d '{"instances": ["Weir serves models", "The river runs"]}'`);
    console.log(`Ctrl-C stops both.`);
    // Either child ending on its own ends the example.
    await Promise.race(running.map((c) => new Promise((resolve) => c.child.once("exit", resolve))));
    if (!stopping) throw new Error("a child process exited");
  } catch (e) {
    await stopAll();
    throw e;
  }
});
