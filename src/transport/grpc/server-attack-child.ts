// Child process of the gRPC attack tests (not a test file): a Weir echo server, alone in its
// process so that its memory and file descriptors can be measured. argv[2] is the JSON of its
// ServerOptions; argv[3] is "listen" (server.listen) or "all" (listenAllProtocols, the one-port
// server's handover). Prints its port on stdout; exits when its parent disconnects; collects
// garbage when sent "gc".
import { listenAllProtocols } from "../detection/index.js";
import { createServer, type ServerOptions } from "./grpc-server.js";
import { Echo } from "./server-fixture.js";

const options = JSON.parse(process.argv[2] ?? "{}") as ServerOptions;
/** Replies of `size` bytes, built once: the attacks measure the server's transport, not a handler's work. */
const payloads = new Map<number, Buffer>();
const payload = (size: number) => payloads.get(size) ?? payloads.set(size, Buffer.alloc(size, 0x61)).get(size)!;
const server = createServer({ health: false, reflection: false, ...options }).service(Echo, {
  Unary: (req) => ({ text: req.text ?? "", payload: (req.size ?? 0) > 0 ? payload(req.size!) : req.payload }),
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
// "gc": collect garbage (the child runs with --expose-gc) and answer with process.memoryUsage(), so
// that a test can tell memory still held from memory not collected yet, or kept by malloc for reuse
// (freed 4 MiB blocks do not always go back to the system, and RSS does not show the difference).
// A buffer freed by a reset stream is released by a callback that the first collection schedules:
// three rounds, a turn of the event loop apart.
process.on("message", async (m) => {
  if (m !== "gc") return;
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  process.send?.(process.memoryUsage());
});
