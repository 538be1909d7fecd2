// The Thrift echo example as the target of attack tests: `node thrift-echo-main.js '<json>'` starts
// it on a free loopback port with the options in the JSON (`MultiProtocolOptions` without port and
// host) and prints `{"port": N}` once it listens. SIGTERM stops it.
import { startEchoServer } from "../../examples/thrift-echo/server.js";

const options = JSON.parse(process.argv[2] ?? "{}") as Parameters<typeof startEchoServer>[0];
const server = await startEchoServer({ ...options, port: 0, host: "127.0.0.1", log: () => {} });
console.log(JSON.stringify({ port: server.address.port }));
process.once("SIGTERM", () => server.close({ graceMs: 500 }).then(() => process.exit(0), () => process.exit(1)));
