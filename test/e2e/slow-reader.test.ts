// A reader that stops reading for 10 s while the model could produce at full speed: the
// gateway's memory (RSS of the `weir serve` process, which also holds the model server) grows by
// less than 32 MiB, because backpressure pauses the call and so the engine.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { sample, untilIdle } from "./engine-metrics.js";
import { startServeProcess, type ServeProcess } from "./serve-process.js";

const STALL_MS = 10_000;
const MiB = 1 << 20;

/** Bytes of the response read until `n` events ("\n\n") were seen; then the response is paused. */
async function readEvents(res: http.IncomingMessage, n: number): Promise<number> {
  let events = 0, bytes = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    bytes += chunk.byteLength;
    for (let i = chunk.indexOf("\n\n"); i !== -1; i = chunk.indexOf("\n\n", i + 2)) events++;
    if (events >= n) break;
  }
  return bytes;
}

describe("weir serve: a reader that stops reading", { timeout: 90_000 }, () => {
  let serve: ServeProcess;
  before(async () => {
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=0", "--max-tokens-limit=1000000"] });
  });
  after(async () => {
    await serve?.stop();
  });

  it(`pauses the engine for ${STALL_MS / 1000} s and keeps RSS growth under 32 MiB`, async (t) => {
    // Warm up every path once so the baseline includes it.
    const warm = await fetch(`${serve.httpUrl}/api/generate?prompt=The%20river&max_tokens=20000&temperature=0`);
    await warm.text();
    const base = await untilIdle(serve.httpUrl);

    const req = http.get(`${serve.httpUrl}/api/generate?prompt=The%20river&max_tokens=1000000&temperature=0`);
    const [res] = (await once(req, "response")) as [http.IncomingMessage];
    assert.equal(res.statusCode, 200);
    res.pause();
    const before = await sample(serve.httpUrl);
    assert.equal(before.active, 1);
    await delay(STALL_MS); // the reader reads nothing for this long: that is the test
    const stalled = await sample(serve.httpUrl);
    const grewMiB = (stalled.rss - base.rss) / MiB;
    const madeWhileStalled = stalled.tokens - before.tokens;
    t.diagnostic(`RSS ${(base.rss / MiB).toFixed(1)} -> ${(stalled.rss / MiB).toFixed(1)} MiB (+${grewMiB.toFixed(1)}); ${madeWhileStalled} tokens made during the stall`);
    assert.equal(stalled.active, 1, "the generation should still be running, paused");
    assert.ok(grewMiB < 32, `RSS grew by ${grewMiB.toFixed(1)} MiB while the reader stalled`);
    // Unthrottled, the engine makes tens of thousands of tokens a second; paused, it stops once
    // the buffers on the way (socket, SSE writer, HTTP/2 windows) are full.
    const mid = await sample(serve.httpUrl);
    assert.equal(mid.tokens, stalled.tokens, "the engine kept producing although nobody reads");

    // The reader comes back: the stream continues where it was, then the reader hangs up.
    res.resume();
    const bytes = await readEvents(res, 2000);
    assert.ok(bytes > 0);
    res.destroy();
    const idle = await untilIdle(serve.httpUrl);
    assert.ok(idle.tokens - base.tokens < 1_000_000, "the generation ran to its end after the reader left");
  });
});
