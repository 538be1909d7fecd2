// Hostile prompts against `weir serve`: single words of up to 1 MiB, random letters and Chinese
// up to the prompt limit, over HTTP and over gRPC with gzip (100k letters gzip to ~150 bytes).
// BPE on one long word used to be quadratic and ran on the event loop: 100k letters froze the
// process for 5.6 s. Now prompts are refused on their length before any tokenizing, and the
// rest are tokenized linearly, a slice at a time, so other callers keep being served.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "../../src/rpc/index.js";
import { generationDescriptor, type GenerationMethods } from "../../src/serving/index.js";
import { createGrpcTransport } from "../../src/transport/index.js";
import { untilIdle } from "../e2e/engine-metrics.js";
import { startServeProcess, type ServeProcess } from "../e2e/serve-process.js";
import { cpuMs, peakRssMiB, probeDuring, runAttacker } from "./harness.js";

const ATTACK_MS = 6000;
const ATTACKERS = 6;
const P99_MS = 250;
const RSS_CEILING_MIB = 512;

async function postGenerate(url: string, prompt: string): Promise<number> {
  const res = await fetch(`${url}/api/generate`, {
    method: "POST", signal: AbortSignal.timeout(5000), headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt, max_tokens: 2 }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe("hostile prompts do not stall weir serve", { timeout: 120_000 }, () => {
  let serve: ServeProcess;
  before(async () => {
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=50"] });
  });
  after(async () => {
    await serve?.stop();
  });

  it("refuses a 1 MiB single-word prompt within 100 ms of the server's CPU (gRPC, gzip) and a 1 MB one over HTTP", async () => {
    const transport = createGrpcTransport({ target: serve.rpcAddress });
    const grpc = createClient<GenerationMethods>(generationDescriptor(), transport);
    const pid = serve.child.pid!;
    try {
      await postGenerate(serve.httpUrl, "warm up");
      await grpc.Complete({ prompt: "warm up", max_tokens: 1 }, { compression: "gzip", timeoutMs: 5000 });
      let before = cpuMs(pid);
      const err = await grpc.Complete({ prompt: "a".repeat(1 << 20), max_tokens: 2 }, { compression: "gzip", timeoutMs: 5000 }).then(() => undefined, (e: unknown) => e);
      const grpcMs = cpuMs(pid) - before;
      before = cpuMs(pid);
      const status = await postGenerate(serve.httpUrl, "a".repeat(1_000_000));
      const httpMs = cpuMs(pid) - before;
      console.log(`# 1 MiB single word over gRPC+gzip: ${String(err)}, ${grpcMs} ms of the server's CPU; 1 MB over HTTP: ${status}, ${httpMs} ms`);
      assert.match(String(err), /INVALID_ARGUMENT.*characters exceeds/);
      assert.equal(status, 400);
      assert.ok(grpcMs < 100, `${grpcMs} ms of CPU`);
      assert.ok(httpMs < 100, `${httpMs} ms of CPU`);
    } finally {
      await transport.close();
    }
  });

  it(`with ${ATTACKERS} attackers (HTTP and gRPC+gzip) for ${ATTACK_MS / 1000} s, /healthz and a short generation keep p99 < ${P99_MS} ms`, async () => {
    const url = serve.httpUrl;
    const { reports: [health, short], attack } = await probeDuring(
      runAttacker("prompt-attacker.js", [url, serve.rpcAddress, String(ATTACK_MS), String(ATTACKERS)], ATTACK_MS + 10_000),
      [
        async (signal) => {
          const res = await fetch(`${url}/healthz`, { signal });
          await res.arrayBuffer();
          assert.equal(res.status, 200);
        },
        async (signal) => {
          const res = await fetch(`${url}/api/generate?prompt=The%20river&max_tokens=2`, { signal });
          const text = await res.text();
          assert.equal(res.status, 200);
          assert.match(text, /event: done/);
        },
      ],
    );
    const counts = attack as { http400: number; grpcRefused: number; requests: number };
    const rss = peakRssMiB(serve.child.pid!);
    console.log(`# healthz p50 ${health!.p50.toFixed(0)} p99 ${health!.p99.toFixed(0)} max ${health!.max.toFixed(0)} ms (${health!.latencies.length}); ` +
      `generation p50 ${short!.p50.toFixed(0)} p99 ${short!.p99.toFixed(0)} ms (${short!.latencies.length}); attack ${JSON.stringify(counts)}; peak RSS ${rss.toFixed(0)} MiB`);
    assert.deepEqual(health!.failures, []);
    assert.deepEqual(short!.failures, []);
    assert.ok(counts.http400 + counts.grpcRefused > 50, "the attack ran");
    assert.ok(health!.p99 < P99_MS, `healthz p99 ${health!.p99.toFixed(0)} ms`);
    assert.ok(short!.p99 < P99_MS, `short generation p99 ${short!.p99.toFixed(0)} ms`);
    assert.ok(rss < RSS_CEILING_MIB, `peak RSS ${rss.toFixed(0)} MiB`);
    await untilIdle(url); // nothing left running
  });
});
