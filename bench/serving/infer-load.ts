/**
 * A closed-loop load of OIP inference calls from a process of its own: `concurrency` calls in
 * flight for `ms`, after `warmupMs`. argv[2]: JSON `LoadSpec`. Prints `{"calls", "seconds",
 * "latencies_ms": [...], "cpu_us_per_call"}` (latencies of the measured calls, for the caller to
 * merge over rounds).
 * - "weir": Weir's OIP gRPC client (`createOipGrpcClient`), raw contents;
 * - "raw": a bare node:http2 client writing one prebuilt ModelInfer message (made once, by the same
 *   encoder any client would use) and reading the whole response: the ceiling for a client.
 */
import http2 from "node:http2";
import { createOipGrpcClient, tensor, type Tensor } from "../../src/serving/index.js";
import { encodeInferRequest } from "../../src/serving/oip/wire-encode.js";

export interface LoadSpec {
  readonly client: "weir" | "raw";
  readonly target: string;
  readonly model: string;
  /** "add_sub" (2 × FP32 [4]) or "mlp" (FP32 [1, 256]). */
  readonly inputs: "add_sub" | "mlp";
  readonly concurrency: number;
  readonly ms: number;
  readonly warmupMs: number;
}

const spec = JSON.parse(process.argv[2]!) as LoadSpec;

function inputsOf(kind: LoadSpec["inputs"]): Tensor[] {
  if (kind === "add_sub") return ["INPUT0", "INPUT1"].map((n) => tensor(n, "FP32", [4], new Float32Array([1, 2, 3, 4])));
  return [tensor("input", "FP32", [1, 256], Float32Array.from({ length: 256 }, (_, i) => ((i * 37) % 101) / 101))];
}

type Call = () => Promise<void>;

function weirCall(): { call: Call; close(): Promise<void> } {
  const client = createOipGrpcClient({ target: spec.target });
  const inputs = inputsOf(spec.inputs);
  return {
    call: async () => {
      const res = await client.infer(spec.model, inputs);
      if (res.outputs.length === 0) throw new Error("no outputs");
    },
    close: () => client.close(),
  };
}

function rawCall(): { call: Call; close(): Promise<void> } {
  const session = http2.connect(`http://${spec.target}`);
  session.setMaxListeners(0);
  const encoded = encodeInferRequest({ modelName: spec.model, inputs: inputsOf(spec.inputs), contents: "raw" });
  const body = Buffer.alloc(5 + encoded.size);
  body.writeUInt32BE(encoded.size, 1);
  encoded.write(body, 5);
  const headers = { ":method": "POST", ":path": "/inference.GRPCInferenceService/ModelInfer", "content-type": "application/grpc", te: "trailers" };
  const call: Call = () => new Promise((resolve, reject) => {
    const req = session.request(headers);
    const chunks: Buffer[] = [];
    let status: string | undefined;
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("response", (h) => { status = h["grpc-status"] as string | undefined ?? status; });
    req.on("trailers", (h) => { status = h["grpc-status"] as string | undefined; });
    req.on("error", reject);
    req.on("close", () => {
      if (status !== "0" || Buffer.concat(chunks).length < 5) reject(new Error(`grpc-status ${status}`));
      else resolve();
    });
    req.end(body);
  });
  return { call, close: async () => void session.close() };
}

const { call, close } = spec.client === "weir" ? weirCall() : rawCall();
await call(); // connected, first call made
const latencies: number[] = [];
let measuring = false;
let stop = false;
const worker = async () => {
  while (!stop) {
    const t0 = performance.now();
    await call();
    if (measuring) latencies.push(performance.now() - t0);
  }
};
const workers = Array.from({ length: spec.concurrency }, worker);
await new Promise((r) => setTimeout(r, spec.warmupMs));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
measuring = true;
await new Promise((r) => setTimeout(r, spec.ms));
measuring = false;
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
stop = true;
await Promise.all(workers);
await close();
const report = { calls: latencies.length, seconds, latencies_ms: latencies.map((x) => Math.round(x * 1000) / 1000), cpu_us_per_call: (cpu.user + cpu.system) / Math.max(1, latencies.length) };
process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0)); // exit once the report is out: a pipe writes later
