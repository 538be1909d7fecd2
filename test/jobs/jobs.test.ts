// /v1/jobs on `weir serve` with its in-process queue: submit, poll, the events as SSE (replayed
// from the start for a late reader), cancel (the engine stops), bad input.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readSse } from "../../src/http/index.js";
import { sample, untilIdle } from "../e2e/engine-metrics.js";
import { startServeProcess, type ServeProcess } from "../e2e/serve-process.js";
import { getJob, json, submit, untilDone, type Job } from "./jobs-client.js";
import { until } from "../attack/harness.js";

describe("/v1/jobs on weir serve (in-process queue)", { timeout: 120_000 }, () => {
  let serve: ServeProcess;
  before(async () => { serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=100"] }); });
  after(async () => { await serve?.stop(); });

  it("runs a generation as a job: the same text as a direct completion with the same seed", async () => {
    const request = { prompt: "The river", max_tokens: 20, seed: 11, temperature: 0.8 };
    const job = await submit(serve.httpUrl, request);
    assert.ok(["queued", "in_progress"].includes(job.status));
    const done = await untilDone(serve.httpUrl, job.id);
    assert.equal(done.status, "completed");
    assert.equal(done.attempts, 1);
    const direct = await (await fetch(`${serve.httpUrl}/v1/completions`, json({ model: "weir-ngram", ...request }))).json() as { choices: { text: string }[] };
    assert.equal(done.result!.text, direct.choices[0]!.text);
    assert.equal(done.result!.usage.completion_tokens, 20);
  });

  it("streams a job's text as SSE from its start, also to a reader who comes late, and ends with the record", async () => {
    const job = await submit(serve.httpUrl, { prompt: "A weir", max_tokens: 30, seed: 2 });
    const read = async () => {
      let text = "";
      let end: Job | undefined;
      for await (const m of readSse(await fetch(`${serve.httpUrl}/v1/jobs/${job.id}/events`, { signal: AbortSignal.timeout(20_000) }))) {
        if (m.event === "text") text += (JSON.parse(m.data) as { text: string }).text;
        if (m.event === "end") end = JSON.parse(m.data) as Job;
      }
      return { text, end };
    };
    const early = await read();
    const late = await read(); // after the end: the whole text replayed
    assert.equal(early.end?.status, "completed");
    assert.equal(early.text, early.end!.result!.text);
    assert.equal(late.text, early.text);
  });

  it("cancel: a running job ends cancelled and its generation stops", async () => {
    const job = await submit(serve.httpUrl, { prompt: "The river", max_tokens: 4000, temperature: 0 });
    await until(async () => (await getJob(serve.httpUrl, job.id)).status === "in_progress", "the job to start", 10_000, 20);
    await until(async () => (await sample(serve.httpUrl)).active === 1, "its generation to run", 10_000, 20);
    const res = await fetch(`${serve.httpUrl}/v1/jobs/${job.id}/cancel`, json({}));
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as Job).status, "cancelled");
    await untilIdle(serve.httpUrl);
    const again = await fetch(`${serve.httpUrl}/v1/jobs/${job.id}/cancel`, json({}));
    assert.equal(((await again.json()) as Job).status, "cancelled", "cancelling a finished job changes nothing");
  });

  it("bad input: an unknown job is 404, a bad request 400, each with a JSON error", async () => {
    for (const path of ["/v1/jobs/job_000000000000000000000000", "/v1/jobs/nonsense", "/v1/jobs/job_000000000000000000000000/events"]) {
      const res = await fetch(`${serve.httpUrl}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { error: { status: string } }).error.status, "NOT_FOUND");
    }
    for (const body of [{}, { request: "x" }, { request: {} }, { type: "batch", request: { prompt: "x" } }, { request: { prompt: 1 } }, { request: { prompt: "x", max_tokens: 1.5 } }, { request: { messages: [{ role: 1 }] } }]) {
      const res = await fetch(`${serve.httpUrl}/v1/jobs`, json(body));
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as { error: { status: string } }).error.status, "INVALID_ARGUMENT");
    }
    const failing = await submit(serve.httpUrl, { prompt: "x", max_tokens: 999_999 });
    const done = await untilDone(serve.httpUrl, failing.id);
    assert.equal(done.status, "failed");
    assert.equal(done.error!.code, "INVALID_ARGUMENT");
  });
});
