// Attack: resumable streams that nobody reads. 300 `?resumable=1` requests
// that hang up at once used to hold their generations, and the gateway's streams to the model
// server, for the whole retention window (60 s): normal requests timed out and /healthz failed
// for 33+ s. Now resumable streams are bounded per client and in total, and a stream without a
// reader has its generation cancelled after a short grace (its events are kept for the window).
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { untilIdle } from "../e2e/engine-metrics.js";
import { startServeProcess, type ServeProcess } from "../e2e/serve-process.js";
import { peakRssMiB } from "./harness.js";
import { assertFast, probeFor, serveProbes } from "./http-probes.js";

/** Send `n` resumable generations (greedy, so 2000 tokens: minutes long), wait for each one's answer, then hang up on all at once. */
async function abandon(httpUrl: string, n: number): Promise<{ started: number; refused: Response[] }> {
  const hangUp = new AbortController();
  const refused: Response[] = [];
  let started = 0;
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const res = await fetch(`${httpUrl}/api/generate?resumable=1&prompt=Abandoned%20${i}&max_tokens=2000&temperature=0`, { signal: hangUp.signal });
    if (res.status !== 200) {
      await res.text();
      return void refused.push(res);
    }
    await res.body!.getReader().read();
    started++;
  }));
  hangUp.abort();
  return { started, refused };
}

/** The generations running now, from /metrics. */
async function activeSequences(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return Number(/^weir_engine_active_sequences (\d+)/m.exec(text)?.[1]);
}

/**
 * The attack on a fresh `weir serve`: 300 abandoned resumable streams, of which `accepted` must be
 * taken and the rest refused with 429; meanwhile the probes must be fast, and after the grace
 * (3 s) every generation must stop. Returns the figures.
 */
async function attack(serve: ServeProcess, accepted: number): Promise<string> {
  const url = serve.httpUrl;
  const { started, refused } = await abandon(url, 300);
  assert.equal(started, accepted, `${accepted} resumable streams taken`);
  assert.equal(refused.length, 300 - accepted);
  assert.ok(refused.every((r) => r.status === 429 && Number(r.headers.get("retry-after")) >= 1), "the rest: 429 with Retry-After");
  const abandonedAt = Date.now();
  assert.ok((await activeSequences(url)) > 0, "the generations run during the grace");
  const figures = assertFast(await probeFor(2000, serveProbes(url)), 250);
  await untilIdle(url, 3000 + 5000);
  const stoppedAfter = Date.now() - abandonedAt;
  const rss = peakRssMiB(serve.child.pid!);
  assert.ok(rss < 512, `peak RSS ${rss.toFixed(0)} MiB`);
  return `${figures}; generations stopped ${stoppedAfter} ms after the hang-up (grace 3000 ms); peak RSS ${rss.toFixed(0)} MiB`;
}

describe("attack: 300 resumable streams abandoned at once", { timeout: 180_000 }, () => {
  const processes: ServeProcess[] = [];
  const start = async (...flags: string[]) => {
    const s = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=5", "--resume-grace-ms=3000", ...flags] });
    processes.push(s);
    return s;
  };
  after(async () => {
    await Promise.all(processes.map((s) => s.stop()));
  });

  it("one client: beyond its 16 streams, 429 at once; normal requests within 250 ms p99, RSS < 512 MiB; the 16 generations stop after the grace", async (t) => {
    const serve = await start();
    t.diagnostic(await attack(serve, 16));
    await serve.stop();
  });

  it("many clients (per-client limit raised): at most 256 streams in all; normal requests within 250 ms p99, RSS < 512 MiB; every generation stops after the grace", async (t) => {
    t.diagnostic(await attack(await start("--resume-per-client=1000"), 256));
  });
});
