/**
 * A client child process:
 * `node client-main.js <weir|grpcjs> <port> <concurrency> <warmupMs> <durationMs> [latencyFile]`.
 * Runs unary echo calls and prints one JSON line of figures (calls/s, p50/p99 latency, errors, CPU
 * time per call); with
 * `latencyFile`, also writes each measured call's latency there (float64, ms).
 */
import { writeFileSync } from "node:fs";
import { UNARY_MESSAGE_BYTES, patternBytes, payloadSizeFor } from "../echo-fixture.js";
import { runGrpcJsLoad } from "./grpcjs-client.js";
import { Recorder } from "./recorder.js";
import type { RunClientLoad } from "./types.js";
import { runWeirLoad } from "./weir-client.js";

const CLIENTS: Record<string, RunClientLoad> = { weir: runWeirLoad, grpcjs: runGrpcJsLoad };

async function main(): Promise<void> {
  const [impl = "", port, concurrency, warmupMs, durationMs, latencyFile] = process.argv.slice(2);
  const run = CLIENTS[impl];
  if (!run) throw new Error(`unknown client "${impl}"; expected one of ${Object.keys(CLIENTS).join(", ")}`);
  const nums = [port, concurrency, warmupMs, durationMs].map(Number);
  if (nums.some((n) => !Number.isFinite(n) || n < 0)) throw new Error("usage: client-main <impl> <port> <concurrency> <warmupMs> <durationMs>");
  const [p, c, w, d] = nums as [number, number, number, number];
  process.stdin.on("end", () => process.exit(2)); // the harness went away
  process.stdin.resume();
  const rec = new Recorder(w, d);
  await run({ port: p, concurrency: c, payload: patternBytes(payloadSizeFor(UNARY_MESSAGE_BYTES)) }, rec);
  rec.stop();
  const figures = rec.figures();
  if (latencyFile) writeFileSync(latencyFile, rec.latencies());
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`client-main: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
