// Attack: long SSE generations hold the gateway's streams to the model server (issue 10, defect 3).
// One HTTP/2 connection used to cap `weir serve` at 100 calls, and the 101st waited without bound:
// 100 generations made /v1/models hang and /healthz answer 503. Now the gateway opens more
// connections, a request beyond every bound is refused fast with 429/503 + Retry-After, and the
// health probe has a connection of its own.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { untilIdle } from "../e2e/engine-metrics.js";
import { startServeProcess, type ServeProcess } from "../e2e/serve-process.js";
import { peakRssMiB, probe, type ProbeReport } from "./harness.js";

/** Open `n` generations that last minutes (5 tokens/s, 2000 tokens) and wait for each one's first event. */
async function holdGenerations(httpUrl: string, n: number, stop: AbortSignal): Promise<{ held: number; refused: Response[] }> {
  const refused: Response[] = [];
  let held = 0;
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const res = await fetch(`${httpUrl}/api/generate?prompt=Attack%20${i}&max_tokens=2000`, { signal: stop });
    if (res.status !== 200) return void refused.push(res);
    const reader = res.body!.getReader();
    await reader.read(); // the first event: the generation runs
    held++;
  }));
  return { held, refused };
}

/** A well-behaved client's requests: each must answer 200 (or, where `busyOk`, a 429/503 with Retry-After). */
function request(url: string, busyOk = false): (signal: AbortSignal) => Promise<void> {
  return async (signal) => {
    const res = await fetch(url, { signal });
    const body = await res.text();
    if (res.status === 200) return;
    if (busyOk && (res.status === 429 || res.status === 503) && Number(res.headers.get("retry-after")) >= 1) return;
    throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
  };
}

/** Run the probes together for `ms`, then stop them. */
async function probeFor(ms: number, requests: Record<string, (signal: AbortSignal) => Promise<void>>): Promise<Record<string, ProbeReport>> {
  const stop = new AbortController();
  const running = Object.entries(requests).map(async ([name, r]) => [name, await probe(r, stop.signal, { requestTimeoutMs: 3000 })] as const);
  await delay(ms);
  stop.abort();
  return Object.fromEntries(await Promise.all(running));
}

/** Every probe answered as expected, with p99 under `boundMs`; returns the figures for the test's diagnostics. */
function assertFast(reports: Record<string, ProbeReport>, boundMs: number): string {
  for (const [name, r] of Object.entries(reports)) {
    assert.deepEqual(r.failures, [], `${name} failed`);
    assert.ok(r.latencies.length >= 10, `${name}: only ${r.latencies.length} requests`);
    assert.ok(r.p99 < boundMs, `${name}: p99 ${r.p99.toFixed(1)} ms (p50 ${r.p50.toFixed(1)}) during the attack`);
  }
  return Object.entries(reports).map(([name, r]) => `${name} p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms (${r.latencies.length})`).join("; ");
}

describe("attack: long SSE generations hold the gateway's upstream streams", { timeout: 180_000 }, () => {
  let serve: ServeProcess | undefined;
  after(async () => {
    await serve?.stop();
  });

  it("150 generations held open: /healthz, /v1/models and a short generation answer within 250 ms at p99; RSS < 512 MiB", async (t) => {
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=5"] });
    const url = serve.httpUrl;
    const attack = new AbortController();
    const { held, refused } = await holdGenerations(url, 150, attack.signal);
    assert.equal(held, 150, `${refused.length} generations refused (${refused.map((r) => r.status).join(",")})`);
    const reports = await probeFor(5000, {
      healthz: request(`${url}/healthz`),
      models: request(`${url}/v1/models`),
      short: request(`${url}/api/generate?prompt=Hi&max_tokens=1`),
    });
    const figures = assertFast(reports, 250);
    const rss = peakRssMiB(serve.child.pid!);
    assert.ok(rss < 512, `peak RSS ${rss.toFixed(0)} MiB`);
    t.diagnostic(`${figures}; peak RSS ${rss.toFixed(0)} MiB`);
    attack.abort();
    await untilIdle(url, 10_000); // every generation stopped once its client left
    await serve.stop();
    serve = undefined;
  });

  it("saturated (one upstream connection, no waiting): a request beyond it is refused at once with 429 + Retry-After; /healthz stays 200", async (t) => {
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=5", "--upstream-connections=1", "--upstream-queue=0"] });
    const url = serve.httpUrl;
    const attack = new AbortController();
    const { held, refused } = await holdGenerations(url, 110, attack.signal);
    // one connection carries the model server's 100 streams (a generation that ends early frees one)
    assert.ok(held >= 100 && held + refused.length === 110 && refused.length > 0, `${held} held, ${refused.length} refused`);
    assert.ok(refused.every((r) => r.status === 429 && r.headers.get("retry-after") === "1"), "the rest: 429 with Retry-After");
    await Promise.all(refused.map((r) => r.body?.cancel()));
    const reports = await probeFor(3000, {
      healthz: request(`${url}/healthz`),
      models: request(`${url}/v1/models`, true),
      short: request(`${url}/api/generate?prompt=Hi&max_tokens=1`, true),
    });
    t.diagnostic(assertFast(reports, 250));
    attack.abort();
    await untilIdle(url, 10_000);
  });
});
