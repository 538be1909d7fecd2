/**
 * Benchmark server child: the bench echo service in Thrift and Protobuf, every protocol on one
 * port. Prints `{"port": N}` once listening; exits on SIGTERM.
 */
import { listenAllProtocols } from "../../src/transport/detection/serve.js";
import { createServer } from "../../src/transport/grpc/grpc-server.js";
import { ProtoBenchEcho, ThriftBenchEcho } from "./fixture.js";

const server = createServer({ health: false, reflection: false })
  .service(ThriftBenchEcho, { echo: ({ req }) => req })
  .service(ProtoBenchEcho, { echo: (req) => req });
const all = await listenAllProtocols(server, { host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ port: all.address.port })}\n`);
process.once("SIGTERM", () => void all.close({ graceMs: 500 }).finally(() => process.exit(0)));
