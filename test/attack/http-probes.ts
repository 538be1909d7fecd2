// Well-behaved HTTP clients for the attack tests on `weir serve`: requests that must succeed (or,
// where the server is truly saturated, be refused fast with Retry-After), probed together for a
// while, and the check that each answered fast enough.
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { probe, type ProbeReport } from "./harness.js";

/** A GET that must answer 200 (or, where `busyOk`, 429/503 with Retry-After); the body is read. */
export function request(url: string, busyOk = false): (signal: AbortSignal) => Promise<void> {
  return async (signal) => {
    const res = await fetch(url, { signal });
    const body = await res.text();
    if (res.status === 200) return;
    if (busyOk && (res.status === 429 || res.status === 503) && Number(res.headers.get("retry-after")) >= 1) return;
    throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
  };
}

/** The probes of a `weir serve`: /healthz, /v1/models and a one-token generation. */
export function serveProbes(httpUrl: string, busyOk = false): Record<string, (signal: AbortSignal) => Promise<void>> {
  return {
    healthz: request(`${httpUrl}/healthz`),
    models: request(`${httpUrl}/v1/models`, busyOk),
    short: request(`${httpUrl}/api/generate?prompt=Hi&max_tokens=1`, busyOk),
  };
}

/** Run the probes together for `ms`, then stop them. */
export async function probeFor(ms: number, requests: Record<string, (signal: AbortSignal) => Promise<void>>): Promise<Record<string, ProbeReport>> {
  const stop = new AbortController();
  const running = Object.entries(requests).map(async ([name, r]) => [name, await probe(r, stop.signal, { requestTimeoutMs: 3000 })] as const);
  await delay(ms);
  stop.abort();
  return Object.fromEntries(await Promise.all(running));
}

/** Every probe answered as expected, with p99 under `boundMs`; returns the figures for the test's diagnostics. */
export function assertFast(reports: Record<string, ProbeReport>, boundMs: number): string {
  for (const [name, r] of Object.entries(reports)) {
    assert.deepEqual(r.failures, [], `${name} failed`);
    assert.ok(r.latencies.length >= 10, `${name}: only ${r.latencies.length} requests`);
    assert.ok(r.p99 < boundMs, `${name}: p99 ${r.p99.toFixed(1)} ms (p50 ${r.p50.toFixed(1)}) during the attack`);
  }
  return Object.entries(reports).map(([name, r]) => `${name} p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms (${r.latencies.length})`).join("; ");
}
