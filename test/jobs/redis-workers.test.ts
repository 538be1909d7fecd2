// Two `weir serve` workers on one real Redis (--jobs-redis): one is killed (SIGKILL) while it runs
// jobs; every job still completes, exactly once (counted from BullMQ's own completion events),
// with the text a direct call gives for the same seed, and a killed worker's job is taken over.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { QueueEvents } from "bullmq";
import { until } from "../attack/harness.js";
import { startServeProcess, type ServeProcess } from "../e2e/serve-process.js";
import { startRedis, type RunningRedis } from "./redis-fixture.js";
import { getJob, submit, untilDone } from "./jobs-client.js";

const worker = (redis: RunningRedis) => startServeProcess({
  args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=40", `--jobs-redis=${redis.url}`, "--jobs-concurrency=2", "--jobs-lock-ms=1000"],
});

describe("jobs shared through Redis by two weir serve workers", { timeout: 120_000 }, () => {
  let redis: RunningRedis;
  let a: ServeProcess, b: ServeProcess;
  let events: QueueEvents;
  const completions = new Map<string, number>();

  before(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([worker(redis), worker(redis)]);
    events = new QueueEvents("weir-jobs", { connection: { host: "127.0.0.1", port: redis.port }, lastEventId: "0-0" });
    events.on("completed", ({ jobId }) => completions.set(jobId, (completions.get(jobId) ?? 0) + 1));
    await events.waitUntilReady();
  });
  after(async () => {
    await events?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it("a worker killed mid-job: every job completes once, with the right text; its jobs move to the other worker", async () => {
    const requests = Array.from({ length: 8 }, (_, i) => ({ prompt: "The river", max_tokens: 40, seed: 100 + i, temperature: 0.7 }));
    const jobs = await Promise.all(requests.map((r) => submit(a.httpUrl, r)));
    // both workers busy: four jobs in progress at once (two each)
    await until(async () => (await Promise.all(jobs.map((j) => getJob(a.httpUrl, j.id)))).filter((j) => j.status === "in_progress").length >= 4, "both workers to run jobs", 20_000, 20);
    b.child.kill("SIGKILL");
    await b.exited();
    const done = await Promise.all(jobs.map((j) => untilDone(a.httpUrl, j.id, 60_000)));
    for (const [i, job] of done.entries()) {
      assert.equal(job.status, "completed", `${job.id}: ${JSON.stringify(job.error)}`);
      const direct = (await (await fetch(`${a.httpUrl}/v1/completions`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "weir-ngram", ...requests[i] }),
      })).json()) as { choices: { text: string }[] };
      assert.equal(job.result!.text, direct.choices[0]!.text, `job ${i}: the text of its seed`);
    }
    await until(() => done.every((j) => completions.has(j.id)), "every completion event", 10_000);
    assert.deepEqual(done.map((j) => completions.get(j.id)), done.map(() => 1), "each job completed exactly once");
    assert.ok(done.some((j) => j.attempts >= 2), `a job of the killed worker was run again: attempts ${done.map((j) => j.attempts)}`);
  });
});

describe("jobs through a Redis that goes away and comes back", { timeout: 120_000 }, () => {
  it("every job completes exactly once after Redis restarts mid-run (append-only file, fsync always)", async () => {
    let redis = await startRedis({ persistent: true });
    const w = await worker(redis);
    const completions = new Map<string, number>();
    let events: QueueEvents | undefined;
    try {
      const requests = Array.from({ length: 4 }, (_, i) => ({ prompt: "A weir", max_tokens: 60, seed: 200 + i }));
      const jobs = await Promise.all(requests.map((r) => submit(w.httpUrl, r)));
      await until(async () => (await getJob(w.httpUrl, jobs[0]!.id)).status === "in_progress", "a job to run", 20_000, 20);
      await redis.crash();
      redis = await startRedis({ port: redis.port, dir: redis.dir, persistent: true });
      events = new QueueEvents("weir-jobs", { connection: { host: "127.0.0.1", port: redis.port }, lastEventId: "0-0" });
      events.on("completed", ({ jobId }) => completions.set(jobId, (completions.get(jobId) ?? 0) + 1));
      await events.waitUntilReady();
      const done = await Promise.all(jobs.map((j) => untilDone(w.httpUrl, j.id, 60_000)));
      assert.deepEqual(done.map((j) => j.status), done.map(() => "completed"), JSON.stringify(done.map((j) => j.error)));
      await until(() => done.every((j) => completions.has(j.id)), "every completion event (replayed from the start of the event stream)", 10_000);
      assert.deepEqual(done.map((j) => completions.get(j.id)), done.map(() => 1), "each job completed exactly once");
    } finally {
      await events?.close();
      await w.stop();
      await redis.stop();
    }
  });
});
