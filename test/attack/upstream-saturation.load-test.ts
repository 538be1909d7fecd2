// Attack: long SSE generations hold the gateway's streams to the model server.
// One HTTP/2 connection used to cap `weir serve` at 100 calls, and the 101st waited without bound:
// 100 generations made /v1/models hang and /healthz answer 503. Now the gateway opens more
// connections, a request beyond every bound is refused fast with 429/503 + Retry-After, and the
// health probe has a connection of its own.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { untilIdle } from "../e2e/engine-metrics.js";
import { startServeProcess, type ServeProcess } from "../e2e/serve-process.js";
import { peakRssMiB } from "./harness.js";
import { assertFast, probeFor, serveProbes } from "./http-probes.js";

/** Open `n` generations that last minutes (greedy, so 2000 tokens, at 5 tokens/s) and wait for each one's first event. */
async function holdGenerations(httpUrl: string, n: number, stop: AbortSignal): Promise<{ held: number; refused: Response[] }> {
  const refused: Response[] = [];
  let held = 0;
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const res = await fetch(`${httpUrl}/api/generate?prompt=Attack%20${i}&max_tokens=2000&temperature=0`, { signal: stop });
    if (res.status !== 200) return void refused.push(res);
    const reader = res.body!.getReader();
    await reader.read(); // the first event: the generation runs
    held++;
  }));
  return { held, refused };
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
    const reports = await probeFor(5000, serveProbes(url));
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
    assert.equal(held, 100, "one connection carries the model server's 100 streams");
    assert.equal(refused.length, 10);
    assert.ok(refused.every((r) => r.status === 429 && r.headers.get("retry-after") === "1"), "the rest: 429 with Retry-After");
    await Promise.all(refused.map((r) => r.body?.cancel()));
    const reports = await probeFor(3000, serveProbes(url, true));
    t.diagnostic(assertFast(reports, 250));
    attack.abort();
    await untilIdle(url, 10_000);
  });
});
