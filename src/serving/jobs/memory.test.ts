import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { until } from "../../../test/attack/harness.js";
import { createMemoryJobQueue } from "./memory.js";
import type { JobEvent, JobRunner } from "./types.js";

/** A runner whose jobs write `pieces` and then wait until released (or cancelled). */
function gatedRunner(pieces: readonly string[]) {
  const gates: (() => void)[] = [];
  const run: JobRunner = (request, ctx) => new Promise((resolve, reject) => {
    for (const p of pieces) ctx.onText(p);
    const fail = () => reject(ctx.signal.reason);
    ctx.signal.addEventListener("abort", fail, { once: true });
    gates.push(() => {
      ctx.signal.removeEventListener("abort", fail);
      resolve({ model: request.model ?? "m", text: pieces.join(""), finish_reason: "stop", usage: { prompt_tokens: 1, completion_tokens: pieces.length, total_tokens: 1 + pieces.length } });
    });
  });
  return { run, release: () => gates.splice(0).forEach((g) => g()), started: () => gates.length };
}

async function collect(events: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe("in-process job queue", { timeout: 10_000 }, () => {
  it("runs `concurrency` jobs at once; a full queue is RESOURCE_EXHAUSTED; a queued job can be cancelled", async () => {
    const r = gatedRunner(["a"]);
    const q = createMemoryJobQueue(r.run, { concurrency: 1, maxQueued: 1 });
    const first = await q.submit({ prompt: "1" });
    const second = await q.submit({ prompt: "2" });
    assert.equal(r.started(), 1);
    assert.equal((await q.get(first.id))!.status, "in_progress");
    assert.equal((await q.get(second.id))!.status, "queued");
    await assert.rejects(q.submit({ prompt: "3" }), (e: unknown) => e instanceof RpcError && e.code === Code.ResourceExhausted && e.metadata.getString("retry-after") === "1");
    assert.equal((await q.cancel(second.id))!.status, "cancelled");
    r.release();
    await until(async () => (await q.get(first.id))!.status === "completed", "the first job");
    assert.deepEqual((await q.get(first.id))!.result!.text, "a");
    await q.close();
  });

  it("a late reader gets the text from the start, at most maxTextChars of it, then the live rest and the end", async () => {
    const r = gatedRunner(["0123456789", "abcdefghij"]);
    const q = createMemoryJobQueue(r.run, { maxTextChars: 15 });
    const job = await q.submit({ prompt: "x" });
    const reading = collect(q.events(job.id, AbortSignal.timeout(5000)));
    r.release();
    const events = await reading;
    assert.deepEqual(events[0], { type: "text", text: "0123456789" }, "the 10 characters kept; the next 10 would pass 15");
    assert.equal(events.at(-1)!.type, "end");
    const after = await collect(q.events(job.id, AbortSignal.timeout(5000)));
    assert.equal(after.length, 2);
    assert.equal((after[1] as Extract<JobEvent, { type: "end" }>).job.result!.text, "0123456789abcdefghij");
    await q.close();
  });

  it("cancelling a running job aborts its run; finished jobs go after retentionMs and past maxRetained", async () => {
    const r = gatedRunner([]);
    const q = createMemoryJobQueue(r.run, { maxRetained: 2, retentionMs: 200 });
    const running = await q.submit({ prompt: "x" });
    const cancelled = await q.cancel(running.id);
    assert.equal(cancelled!.status, "cancelled");
    assert.equal(cancelled!.error!.code, "CANCELLED");
    const more = [await q.submit({ prompt: "a" }), await q.submit({ prompt: "b" })];
    r.release();
    await until(async () => (await q.get(more[1]!.id))?.status === "completed", "the jobs to finish");
    assert.equal(await q.get(running.id), undefined, "three finished, two kept: the oldest went");
    await until(async () => (await q.get(more[1]!.id)) === undefined, "the retention to end", 5000);
    assert.equal(await q.get("job_000000000000000000000000"), undefined);
    assert.equal(await q.get("../../etc"), undefined);
    await q.close();
  });

  it("close cancels what is queued and running; submitting after is UNAVAILABLE", async () => {
    const r = gatedRunner([]);
    const q = createMemoryJobQueue(r.run, { concurrency: 1 });
    const a = await q.submit({ prompt: "a" });
    const b = await q.submit({ prompt: "b" });
    await q.close();
    assert.equal((await q.get(a.id))!.status, "cancelled");
    assert.equal((await q.get(b.id))!.status, "cancelled");
    await assert.rejects(q.submit({ prompt: "c" }), (e: unknown) => e instanceof RpcError && e.code === Code.Unavailable);
  });
});
