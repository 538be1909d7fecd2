// Server child of the governance benchmark: two Weir servers of the chaos example's service, one
// plain and one with the server side of the governance stack (QPS and concurrency limits).
// Prints `{"plain": port, "governed": port}` on stdout, then its CPU time for each line it reads.
import { createServer } from "../../src/transport/index.js";
import { concurrencyLimit, rateLimit } from "../../src/governance/index.js";
import { Chaos } from "../../examples/chaos/service.js";

const impl = {
  Ask: (req: { id?: string }) => ({ id: req.id ?? "", server: "bench" }),
  async *Stream() {},
};
const plain = createServer({ health: false, reflection: false }).service(Chaos, impl);
const governed = createServer({
  health: false, reflection: false,
  middleware: [rateLimit({ qps: 10_000_000 }), concurrencyLimit({ max: 100_000, per: "method" })],
}).service(Chaos, impl);
const a = await plain.listen({ host: "127.0.0.1" });
const b = await governed.listen({ host: "127.0.0.1" });
process.stdout.write(`${JSON.stringify({ plain: a.port, governed: b.port })}\n`);
// each line on stdin asks for the CPU time used so far (µs), answered as one line
process.stdin.on("data", () => {
  const u = process.cpuUsage();
  process.stdout.write(`${u.user + u.system}\n`);
});
process.stdin.on("end", () => process.exit(0));
