// Attacker: `node oip-flood.js <httpPort> <connections> <bodyMiB> <ms>`. Each connection POSTs
// inference requests of `bodyMiB` of binary tensor data, one after another, for `ms`; every other
// connection never reads its responses. Prints {"statuses": {...}, "errors": n, "sent": bytes}
// (errors: requests that got no answer at all).
// lint-tests: a child process, killed by runAttacker() in harness.ts after its timeout
import http from "node:http";

const [port, connections, mib, ms] = process.argv.slice(2).map(Number) as [number, number, number, number];
const n = Math.floor((mib << 20) / 4);
const header = Buffer.from(JSON.stringify({ inputs: [{ name: "INPUT0", datatype: "FP32", shape: [1, n], parameters: { binary_data_size: n * 4 } }], parameters: { binary_data_output: true } }));
const data = Buffer.alloc(n * 4, 1);
const statuses: Record<string, number> = {};
let errors = 0, sent = 0;
const end = Date.now() + ms;
const agents: http.Agent[] = [];

function once(agent: http.Agent, read: boolean): Promise<void> {
  return new Promise((resolve) => {
    let answered = false;
    const req = http.request({ port, host: "127.0.0.1", path: "/v2/models/identity_fp32/infer", method: "POST", agent,
      headers: { "inference-header-content-length": String(header.length), "content-length": String(header.length + data.length) } }, (res) => {
      answered = true;
      statuses[res.statusCode!] = (statuses[res.statusCode!] ?? 0) + 1;
      if (read || res.statusCode !== 200) res.resume().on("end", resolve).on("error", () => resolve());
      else resolve(); // keep the response unread: the server holds it until the connection goes
    });
    // A refusal before the body was read closes the connection while it is still being sent: an
    // error after an answer is that, not a failure.
    req.on("error", () => { if (!answered) errors++; resolve(); });
    req.write(header);
    req.end(data);
    sent += header.length + data.length;
  });
}

await Promise.all(Array.from({ length: connections }, async (_, i) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  const read = i % 2 === 0;
  while (Date.now() < end) {
    await once(agent, read);
    if (!read) break; // one unread response per such connection is enough to hold its bytes
  }
}));
for (const a of agents) a.destroy();
process.stdout.write(`${JSON.stringify({ statuses, errors, sent })}\n`);
