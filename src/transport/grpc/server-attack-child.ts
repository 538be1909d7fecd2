// Child process of the gRPC attack tests (not a test file): a Weir echo server, alone in its
// process so that its memory and file descriptors can be measured. argv[2] is the JSON of its
// ServerOptions; argv[3] is "listen" (server.listen) or "all" (listenAllProtocols, the one-port
// server's handover). Prints its port on stdout; exits when its parent disconnects.
import { listenAllProtocols } from "../detection/index.js";
import { createServer, type ServerOptions } from "../server.js";
import { Echo } from "./server-fixture.js";

const options = JSON.parse(process.argv[2] ?? "{}") as ServerOptions;
const server = createServer({ health: false, reflection: false, ...options }).service(Echo, {
  Unary: (req) => ({ text: req.text ?? "", payload: (req.size ?? 0) > 0 ? Buffer.alloc(req.size!, 0x61) : req.payload }),
  async ClientStream(requests) {
    let n = 0;
    for await (const _ of requests) n++;
    return { index: n };
  },
});
const all = process.argv[3] === "all" ? await listenAllProtocols(server, { host: "127.0.0.1", port: 0, log: () => {} }) : undefined;
const port = all?.address.port ?? (await server.listen({ port: 0, host: "127.0.0.1" })).port;
process.stdout.write(`${port}\n`);
process.on("disconnect", () => void (all ?? server).close({ graceMs: 0 }).then(() => process.exit(0)));
