// Child process of server-backpressure.test.ts (not a test file): a Weir server whose ServerStream
// sends `count` messages of `size` bytes, as fast as the client lets it. Prints its port on stdout.
import { createServer } from "./grpc-server.js";
import { Echo } from "./server-fixture.js";

const server = createServer({ health: false, reflection: false }).service(Echo, {
  async *ServerStream(req) {
    const message = { payload: Buffer.alloc(req.size ?? 0, 0x5a) };
    for (let i = 0; i < (req.count ?? 0); i++) yield message;
  },
});
const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`${port}\n`);
process.on("disconnect", () => void server.close({ graceMs: 0 }).then(() => process.exit(0)));
