/**
 * A closed-loop HTTP load from a process of its own: `concurrency` POSTs of one prebuilt JSON body
 * in flight for `ms`, after `warmupMs`, on keep-alive connections. argv[2]: JSON `HttpLoadSpec`.
 * Prints `{"calls", "seconds", "latencies_ms", "statuses": {"200": n, ...}, "errors"}`: every answer
 * counts, whatever its status (a server that sheds load with 429/503 is measured as such).
 */
import http from "node:http";

export interface HttpLoadSpec {
  readonly url: string;
  readonly body: string;
  readonly concurrency: number;
  readonly ms: number;
  readonly warmupMs: number;
  /** A call taking longer than this fails (and counts as an error). Default 60 s. */
  readonly timeoutMs?: number;
}

const spec = JSON.parse(process.argv[2]!) as HttpLoadSpec;
const url = new URL(spec.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
const body = Buffer.from(spec.body);
const headers = { "content-type": "application/json", "content-length": String(body.length) };

/** One POST; resolves with its status (0: a connection error or timeout). */
function post(): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent, headers, timeout: spec.timeoutMs ?? 60_000 }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode ?? 0));
      res.once("error", () => resolve(0));
    });
    req.once("timeout", () => req.destroy(new Error("timeout")));
    req.once("error", () => resolve(0));
    req.end(body);
  });
}

const latencies: number[] = [];
const statuses: Record<string, number> = {};
let measuring = false;
let stop = false;
const worker = async () => {
  while (!stop) {
    const t0 = performance.now();
    const status = await post();
    if (!measuring) continue;
    latencies.push(performance.now() - t0);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
};
const workers = Array.from({ length: spec.concurrency }, worker);
await new Promise((r) => setTimeout(r, spec.warmupMs));
const t0 = performance.now();
measuring = true;
await new Promise((r) => setTimeout(r, spec.ms));
measuring = false;
const seconds = (performance.now() - t0) / 1000;
stop = true;
await Promise.all(workers);
agent.destroy();
const report = { calls: latencies.length, seconds, latencies_ms: latencies.map((x) => Math.round(x * 100) / 100), statuses };
process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
