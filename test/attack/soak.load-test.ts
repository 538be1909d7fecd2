// Soak: every attack at once against one `weir serve` (running under `ulimit -n 1024`, as a small
// production host might), for a bounded time: hostile prompts over HTTP and gRPC+gzip, idle and
// slowloris sockets on both ports, hostile JSON, gzip bombs, pipelined Thrift calls nobody reads,
// long SSE generations nobody reads and resumable ones abandoned at once, and a WebSocket flood.
// Each attacker is a process of its own. Meanwhile well-behaved clients call /healthz, a short
// generation, the chat page and ListModels over gRPC: their p99 must stay under P99_MS, the
// server's RSS under RSS_CEILING_MIB, and once the attacks stop nothing of them may be left.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createClient } from "../../src/rpc/index.js";
import { generationDescriptor, type GenerationMethods } from "../../src/serving/index.js";
import { createGrpcTransport } from "../../src/transport/index.js";
import { sample } from "../e2e/engine-metrics.js";
import { startServeProcess, type ServeProcess } from "../e2e/serve-process.js";
import { openFds, peakRssMiB, probeDuring, runAttacker, until } from "./harness.js";

const SOAK_MS = 20_000;
/** The bound on a well-behaved request's p99 while everything attacks at once, on two shared cores. */
const P99_MS = 250;
const RSS_CEILING_MIB = 512;
const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The WebSocket flood runs until killed: kill it after `ms`; resolves with what it last printed. */
function wsFlood(url: string, sockets: number, ms: number): Promise<string> {
  const child = spawn(process.execPath, [path.join(HERE, "ws-flood.js"), url, String(sockets), String(1 << 20)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => { out = (out + b.toString()).slice(-500); });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(/sent \d+ opened \d+(?![^]*sent)/.exec(out)?.[0] ?? "no report");
    });
  });
}

describe("soak: every attack at once against weir serve", { timeout: 180_000 }, () => {
  let serve: ServeProcess;
  before(async () => {
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--resume-grace-ms=3000"], fileLimit: 1024 });
  });
  after(async () => {
    await serve?.stop();
  });

  it(`${SOAK_MS / 1000} s of attacks: well-behaved p99 < ${P99_MS} ms, RSS < ${RSS_CEILING_MIB} MiB, nothing left after`, async () => {
    const url = serve.httpUrl, rpc = serve.rpcAddress, pid = serve.child.pid!;
    const { hostname, port: httpPort } = new URL(url);
    const rpcPort = rpc.split(":").pop()!;
    const transport = createGrpcTransport({ target: rpc });
    const grpc = createClient<GenerationMethods>(generationDescriptor(), transport);
    const getOk = async (path: string, signal: AbortSignal) => {
      const res = await fetch(`${url}${path}`, { signal });
      const body = await res.text();
      assert.equal(res.status, 200, `${path}: ${body.slice(0, 200)}`);
      return body;
    };
    try {
      await grpc.ListModels({}, { timeoutMs: 5000 });
      await getOk("/healthz", AbortSignal.timeout(5000));
      const idleFds = openFds(pid);
      const ms = String(SOAK_MS);
      const attacks = Promise.all([
        runAttacker("prompt-attacker.js", [url, rpc, ms, "2"], SOAK_MS + 20_000),
        runAttacker("idle-socket-attacker.js", [hostname, httpPort, "300", ms], SOAK_MS + 20_000),
        runAttacker("idle-socket-attacker.js", [hostname, rpcPort, "300", ms], SOAK_MS + 20_000),
        runAttacker("../e2e/hostile-client.js", [url, ms, "2"], SOAK_MS + 20_000),
        runAttacker("soak-attacker.js", ["grpc-bombs", url, rpc, ms], SOAK_MS + 20_000),
        runAttacker("soak-attacker.js", ["thrift-pipeline", url, rpc, ms], SOAK_MS + 20_000),
        runAttacker("soak-attacker.js", ["sse-hold", url, rpc, ms], SOAK_MS + 20_000),
        wsFlood(`${url.replace(/^http/, "ws")}/api/generate/ws`, 16, SOAK_MS),
      ]);
      const { reports, attack } = await probeDuring(attacks, [
        (signal) => getOk("/healthz", signal),
        async (signal) => assert.match(await getOk("/api/generate?prompt=The%20river&max_tokens=1", signal), /event: done/),
        (signal) => getOk("/", signal),
        (signal) => grpc.ListModels({}, { signal }),
      ]);
      const names = ["healthz", "generation", "page", "grpc ListModels"];
      const rss = peakRssMiB(pid);
      console.log(`# attacks: ${JSON.stringify(attack)}`);
      reports.forEach((r, i) => console.log(`# ${names[i]}: p50 ${r.p50.toFixed(0)} p99 ${r.p99.toFixed(0)} max ${r.max.toFixed(0)} ms over ${r.latencies.length}, ${r.failures.length} failed`));
      console.log(`# weir serve peak RSS ${rss.toFixed(0)} MiB, ${openFds(pid)} open files (${idleFds} before)`);
      reports.forEach((r, i) => {
        assert.deepEqual(r.failures, [], `${names[i]} failed`);
        assert.ok(r.latencies.length >= 20, `${names[i]}: only ${r.latencies.length} requests`);
        assert.ok(r.p99 < P99_MS, `${names[i]} p99 ${r.p99.toFixed(0)} ms`);
      });
      assert.ok(rss < RSS_CEILING_MIB, `peak RSS ${rss.toFixed(0)} MiB`);
      // nothing left: no generation running, the attackers' sockets closed
      await until(async () => (await sample(url)).active === 0, "the attackers' generations to stop", 20_000, 200);
      await until(() => openFds(pid) <= idleFds + 6, `weir serve's files back to about ${idleFds}`, 20_000, 200);
    } finally {
      await transport.close();
    }
  });
});
