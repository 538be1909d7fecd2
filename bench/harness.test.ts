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

  it("measures Weir, grpc-js and the bare node:http2 server and reports the issue's ratios", () => {
    const byName = new Map(run.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => [JSON.parse(l).name, JSON.parse(l)]));
    const unary = byName.get("grpc-unary");
    const stream = byName.get("grpc-stream");
    const client = byName.get("grpc-client");
    for (const server of ["weir", "grpc-js", "node:http2"]) {
      assert.ok(unary.results[server].rps > 0 && unary.results[server].p99_ms > 0, `unary ${server}`);
      assert.ok(stream.results[server].msgs_per_s > 0, `stream ${server}`);
    }
    assert.ok(client.results["weir"].rps > 0 && client.results["grpc-js"].rps > 0);
    const ratios = { ...unary.ratios, ...stream.ratios, ...client.ratios };
    for (const name of ["grpc_unary_vs_grpcjs", "grpc_unary_vs_raw", "grpc_stream_vs_grpcjs", "grpc_stream_vs_raw", "grpc_client_vs_grpcjs"]) {
      assert.ok(ratios[name] > 0, `ratio ${name} is ${ratios[name]}`);
    }
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
