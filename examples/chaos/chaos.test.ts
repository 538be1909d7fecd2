// The chaos scenario, shortened: three instances behind a real etcd, one killed, one slowed 10×.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runChaos } from "./scenario.js";

describe("chaos: retry, breakers and power of two choices keep a degraded service answering", () => {
  it(">= 99.9% success, p99 within 3× healthy, no stream message twice", async () => {
    const r = await runChaos({ rps: 200, healthyMs: 5000, chaosMs: 5000 });
    const detail = JSON.stringify(r);
    assert.ok(r.calls > 1500, detail);
    assert.ok(r.success >= 0.999, detail);
    assert.ok(r.p99VsHealthy <= 3, detail);
    assert.equal(r.duplicates, 0, detail);
  });
});
