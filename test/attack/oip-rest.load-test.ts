// Attack: large REST inference requests (binary tensors) from many connections, half of which
// never read their responses, against the OIP endpoints. The REST byte budget must keep the
// server's memory bounded (RSS < 512 MiB), refuse what does not fit with a clean 503, keep a
// well-behaved REST and gRPC client under 250 ms at p99, and give every byte back afterwards.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createOipGrpcClient } from "../../src/serving/oip/client/index.js";
import { tensor } from "../../src/serving/tensor.js";
import { peakRssMiB, probeDuring, runAttacker, until } from "./harness.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = 24;
const BODY_MIB = 8;
/** The server's REST byte budget: what the flood must go past. */
const BUFFERED_MIB = 128;
/** How long the flood runs: the attack's length, not a synchronisation. */
const ATTACK_MS = 8_000;

describe("attack: large REST inference requests against the OIP endpoints", { timeout: 120_000 }, () => {
  it(`${CONNECTIONS} connections of ${BODY_MIB} MiB requests, half never reading, past a ${BUFFERED_MIB} MiB budget: RSS < 512 MiB, only 200/503, probes p99 < 250 ms, all bytes given back`, async () => {
    const child: ChildProcess = spawn(process.execPath, [path.join(HERE, "oip-server.js"), String(BUFFERED_MIB)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (b: Buffer) => { out = (out + b.toString()).slice(-4000); });
    const client = { current: undefined as ReturnType<typeof createOipGrpcClient> | undefined };
    try {
      await until(() => /ready \d+ \d+/.test(out), "the OIP server to start", 15_000);
      const [, http, grpc] = /ready (\d+) (\d+)/.exec(out)!.map(Number) as [number, number, number];
      client.current = createOipGrpcClient({ target: `127.0.0.1:${grpc}` });
      const inputs = [tensor("INPUT0", "FP32", [4], new Float32Array(4)), tensor("INPUT1", "FP32", [4], new Float32Array(4))];
      await client.current.infer("add_sub", inputs);
      const { reports, attack } = await probeDuring(runAttacker("oip-flood.js", [String(http), String(CONNECTIONS), String(BODY_MIB), String(ATTACK_MS)], 60_000), [
        async (signal) => {
          const r = await fetch(`http://127.0.0.1:${http}/v2/health/ready`, { signal });
          await r.arrayBuffer();
          if (r.status !== 200) throw new Error(`ready answered ${r.status}`);
        },
        (signal) => client.current!.infer("add_sub", inputs, { signal }),
      ]);
      const { statuses, errors } = attack as { statuses: Record<string, number>; errors: number };
      const peak = peakRssMiB(child.pid!);
      const detail = JSON.stringify({ statuses, errors, peakMiB: Math.round(peak), p99: reports.map((r) => Math.round(r.p99)) });
      assert.ok(Object.keys(statuses).every((s) => s === "200" || s === "503"), detail);
      assert.ok((statuses["503"] ?? 0) > 0, `the budget was never reached: ${detail}`);
      assert.equal(errors, 0, detail);
      assert.ok(peak < 512, detail);
      for (const r of reports) {
        assert.deepEqual(r.failures, [], detail);
        assert.ok(r.p99 < 250, detail);
      }
      await until(() => /buffered 0\n$/.test(out), "the REST byte budget to be given back", 10_000);
      process.stdout.write(`# ${detail}\n`);
    } finally {
      await client.current?.close();
      if (child.exitCode === null) child.kill("SIGTERM");
      await until(() => child.exitCode !== null || child.signalCode !== null, "the OIP server to stop", 10_000).catch(() => child.kill("SIGKILL"));
    }
  });
});
