// The Redis job queue's bound on event readers (each holds a Redis connection): one more is
// RESOURCE_EXHAUSTED, and a reader that leaves gives its place back.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, RpcError } from "../../src/core/index.js";
import { createRedisJobQueue, type JobQueue, type JobRunner } from "../../src/serving/index.js";
import { startRedis, type RunningRedis } from "./redis-fixture.js";

describe("Redis job queue: event readers are bounded", { timeout: 30_000 }, () => {
  let redis: RunningRedis;
  let queue: JobQueue;
  let release: () => void = () => {};
  const run: JobRunner = (_request, ctx) => new Promise((resolve) => {
    ctx.onText("a");
    release = () => resolve({ model: "m", text: "a", finish_reason: "stop", usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
  });

  before(async () => {
    redis = await startRedis();
    queue = await createRedisJobQueue(run, { url: redis.url, queueName: "weir-readers-test", maxEventReaders: 1 });
  });
  after(async () => {
    release();
    await queue?.close();
    await redis?.stop();
  });

  it("a second reader is RESOURCE_EXHAUSTED while the first reads; after the first leaves, a reader is let in", async () => {
    const job = await queue.submit({ prompt: "x" });
    const first = new AbortController();
    const reader = queue.events(job.id, first.signal)[Symbol.asyncIterator]();
    assert.deepEqual((await reader.next()).value, { type: "text", text: "a" });
    assert.throws(() => queue.events(job.id, AbortSignal.timeout(5000)), (e: unknown) => e instanceof RpcError && e.code === Code.ResourceExhausted);
    first.abort();
    await reader.return?.();
    release();
    const events = [];
    for await (const e of queue.events(job.id, AbortSignal.timeout(10_000))) events.push(e.type);
    assert.deepEqual(events, ["text", "end"]);
  });
});
