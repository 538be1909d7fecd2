// Calls of the /v1/jobs API for the job tests.
import assert from "node:assert/strict";
import { until } from "../attack/harness.js";

export interface Job { id: string; status: string; attempts: number; result: { text: string; finish_reason: string; usage: { completion_tokens: number } } | null; error: { code: string } | null }

export const json = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });

export async function submit(url: string, request: object): Promise<Job> {
  const res = await fetch(`${url}/v1/jobs`, json({ request }));
  assert.equal(res.status, 202, await res.clone().text());
  assert.match(res.headers.get("location") ?? "", /^\/v1\/jobs\/job_[0-9a-f]{24}$/);
  return (await res.json()) as Job;
}

export async function getJob(url: string, id: string): Promise<Job> {
  const res = await fetch(`${url}/v1/jobs/${id}`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return (await res.json()) as Job;
}

export async function untilDone(url: string, id: string, timeoutMs = 30_000): Promise<Job> {
  let job: Job | undefined;
  await until(async () => !["queued", "in_progress"].includes((job = await getJob(url, id)).status), `job ${id} to finish`, timeoutMs, 50);
  return job!;
}

