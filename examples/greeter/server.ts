// The example service: `npm run example:greeter` builds Weir and runs this, then `npm run example:greeter-client`
// calls every method. Flags: --port=N (default 50051), --host=H (default 127.0.0.1).
import { parseArgs } from "node:util";
import { createServer } from "weir/grpc";
import { Greeter, greeterImpl } from "./greeter.js";

const { values } = parseArgs({ options: { port: { type: "string", default: "50051" }, host: { type: "string", default: "127.0.0.1" } } });
const server = createServer().service(Greeter, greeterImpl);
const { host, port } = await server.listen({ host: values.host!, port: Number(values.port) });
console.log(`Greeter listening on ${host}:${port} (gRPC over h2c; health and reflection on)`);
console.log(`try: npm run example:greeter-client -- --target=${host}:${port}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log("draining in-flight calls…");
    server.close().then(() => process.exit(0), () => process.exit(1));
  });
}
