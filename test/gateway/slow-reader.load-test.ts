// A client that stops reading while the model produces must not make the gateway buffer without
// bound: the gateway stops pulling from the gRPC stream, whose flow control pauses the model.
// The gateway runs in a child process so that its RSS is its own.
// A load test (run alone by `npm run test:load`): the RSS ceiling, 32 MiB over the gateway's working
// size, and "no token in the stall's last second" both need the machine to itself. Measured growth on
// an idle machine is a few MiB (the socket buffers and HTTP/2 windows), so the ceiling leaves ~10x.
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { startModelServer, type ModelServer } from "./fixture.js";
import { onceWithin } from "../helpers/wait.js";

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "gateway-child.js");
const STALL_MS = 10_000;
const MiB = 1 << 20;

function ask(child: ChildProcess): Promise<number> {
  const answer = onceWithin(child, "message").then(([m]) => (m as { rss: number }).rss);
  child.send("rss");
  return answer;
}

describe("a slow reader does not bloat the gateway", { timeout: 60_000 }, () => {
  let model: ModelServer;
  let child: ChildProcess;
  let url: string;

  before(async () => {
    model = await startModelServer({ tokensPerSecond: 0, maxTokensLimit: 10_000_000 });
    child = fork(CHILD, [`127.0.0.1:${model.port}`], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    url = ((await onceWithin(child, "message"))[0] as { url: string }).url;
  });
  after(async () => {
    child?.kill();
    await model?.close();
  });

  it(`a reader that stops for ${STALL_MS / 1000} s grows the gateway's RSS by less than 32 MiB, and the model pauses`, async () => {
    // warm up: a long stream read to its end, so that the baseline is the gateway's working size
    await (await fetch(`${url}/api/generate?model=paced&prompt=Warm&max_tokens=200000&temperature=0`)).text();
    const req = http.get(`${url}/api/generate?model=paced&prompt=The%20river&max_tokens=10000000&temperature=0`);
    const [res] = (await onceWithin(req, "response")) as [http.IncomingMessage];
    assert.equal(res.statusCode, 200);
    await onceWithin(res, "data"); // the stream is flowing ...
    res.pause(); // ... and now nobody reads
    const base = await ask(child);
    const tokensAtStall = model.stats.generatedTokens;
    let peak = base;
    const tokens: number[] = [];
    const start = Date.now();
    while (Date.now() - start < STALL_MS) {
      await delay(500); // sampling interval of the measurement
      peak = Math.max(peak, await ask(child));
      tokens.push(model.stats.generatedTokens);
    }
    const grownMiB = (peak - base) / MiB;
    const madeInStall = tokens.at(-1)! - tokensAtStall;
    const madeInLastSecond = tokens.at(-1)! - tokens.at(-3)!;
    console.log(`# gateway RSS grew ${grownMiB.toFixed(1)} MiB; the model made ${madeInStall} tokens during the stall (what the socket and flow-control windows hold), ${madeInLastSecond} in its last second`);
    assert.ok(grownMiB < 32, `gateway RSS grew ${grownMiB.toFixed(1)} MiB`);
    assert.equal(madeInLastSecond, 0, "the model was paused by backpressure");
    // reading again resumes the stream; leaving ends the generation
    res.resume();
    await onceWithin(res, "data");
    req.destroy();
    await model.paced.ended[model.paced.ended.length - 1];
    assert.equal(model.stats.activeSequences, 0);
  });
});
