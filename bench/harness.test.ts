// Smoke test: the harness runs the gRPC benchmarks end to end on tiny sizes (seconds, not a measurement).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./main.js";

const MAIN = fileURLToPath(new URL("./main.js", import.meta.url));
const NAMES = ["grpc-unary", "grpc-stream", "grpc-client"];

interface Run { code: number | null; stdout: string; stderr: string }

function runMain(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { timeout: 90_000, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("bench harness", () => {
  let out: string;
  let run: Run;
  before(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), "weir-bench-smoke-"));
    run = await runMain([...NAMES, "--smoke", "--json", `--out=${out}`]);
  });
  after(() => rm(out, { recursive: true, force: true }));

  it("exits 0 and ends each benchmark with one JSON line of name, results and ratios", () => {
    assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    const lines = run.stdout.split("\n").filter((l) => l.startsWith("{"));
    assert.deepEqual(lines.map((l) => JSON.parse(l).name), NAMES);
    for (const line of lines) assert.deepEqual(Object.keys(JSON.parse(line)), ["name", "results", "ratios"]);
  });

  it("measures grpc-js and the bare node:http2 server and names the issue's ratios", () => {
    const byName = new Map(run.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => [JSON.parse(l).name, JSON.parse(l)]));
    const unary = byName.get("grpc-unary");
    assert.ok(unary.results["grpc-js"].rps > 0 && unary.results["node:http2"].rps > 0);
    assert.ok(unary.results["node:http2"].p99_ms > 0);
    assert.ok(byName.get("grpc-stream").results["node:http2"].msgs_per_s > 0);
    assert.ok(byName.get("grpc-client").results["grpc-js"].rps > 0);
    assert.ok("grpc_unary_vs_grpcjs" in unary.ratios && "grpc_unary_vs_raw" in unary.ratios);
    assert.ok("grpc_stream_vs_grpcjs" in byName.get("grpc-stream").ratios && "grpc_stream_vs_raw" in byName.get("grpc-stream").ratios);
    assert.ok("grpc_client_vs_grpcjs" in byName.get("grpc-client").ratios);
  });

  it("prints a table and writes a timestamped and a latest result file per benchmark", () => {
    assert.match(run.stdout, /ratio\s+value\s+target/);
    const files = readdirSync(out);
    for (const name of NAMES) {
      assert.ok(existsSync(path.join(out, `${name}.json`)), `${name}.json missing`);
      assert.ok(files.some((f) => f.startsWith(`${name}-`) && f.endsWith(".json")), `${name}-<timestamp>.json missing`);
      assert.equal(JSON.parse(readFileSync(path.join(out, `${name}.json`), "utf8")).name, name);
    }
  });

  it("rejects an unknown benchmark name", async () => {
    assert.throws(() => parseArgs(["no-such-bench"]), /unknown argument "no-such-bench"/);
    assert.equal((await runMain(["no-such-bench"])).code, 2);
  });
});
