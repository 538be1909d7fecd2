// `npm run example:thrift-echo -- --port=N` serves Echo (echo.thrift) on one port for every
// transport: gRPC, TTHeader, framed, buffered and THeader.
// `npm run example:thrift-echo -- --client --target=H:P --transport=T` calls every method with
// edge-case values over T (framed-binary, framed-compact, buffered-binary, header-binary,
// header-compact, ttheader, grpc), prints PASS/FAIL per call and `N passed, N failed`, and exits
// non-zero when a call failed.
import { parseArgs } from "node:util";
import { runEchoClient, TRANSPORTS, type EchoTransportName } from "./client.js";
import { startEchoServer } from "./server.js";

const { values } = parseArgs({
  options: {
    client: { type: "boolean", default: false },
    port: { type: "string", default: "9090" },
    host: { type: "string", default: "127.0.0.1" },
    target: { type: "string", default: "127.0.0.1:9090" },
    transport: { type: "string", default: "framed-binary" },
  },
});

if (values.client) {
  const name = values.transport as EchoTransportName;
  if (!TRANSPORTS.includes(name)) {
    console.error(`unknown --transport=${name}; one of ${TRANSPORTS.join(", ")}`);
    process.exit(2);
  }
  process.exitCode = (await runEchoClient(name, values.target!, (line) => console.log(line))) > 0 ? 1 : 0;
} else {
  const server = await startEchoServer({ port: Number(values.port), host: values.host! });
  const { host, port } = server.address;
  console.log(`Echo listening on ${host}:${port}: gRPC (application/grpc+thrift), TTHeader, framed, buffered and THeader`);
  console.log(`try: npm run example:thrift-echo -- --client --target=${host}:${port} --transport=ttheader`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => server.close({ graceMs: 2000 }).then(() => process.exit(0), () => process.exit(1)));
  }
}
