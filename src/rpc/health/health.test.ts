// Limits of the health service's answers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import type { ServerCallContext } from "../context.js";
import { HealthService } from "./health.js";

const ctx = {} as ServerCallContext; // Check and List read nothing of it

describe("health service limits", () => {
  it("List answers at most 100 services, RESOURCE_EXHAUSTED beyond", async () => {
    const health = new HealthService();
    for (let i = 0; i < 100; i++) health.setStatus(`svc.${i}`, "SERVING");
    const list = (await health.impl.List!({}, ctx)) as { statuses: Record<string, unknown> };
    assert.equal(Object.keys(list.statuses).length, 100);
    health.setStatus("svc.100", "SERVING");
    assert.throws(() => health.impl.List!({}, ctx), (e: RpcError) => e.code === Code.ResourceExhausted && /101 services have a status; List answers at most 100/.test(e.message));
  });

  it("Check quotes at most 200 characters of an unknown service's name", () => {
    const health = new HealthService();
    assert.throws(() => health.impl.Check!({ service: "n".repeat(10_000) }, ctx), (e: RpcError) => e.code === Code.NotFound && e.rawMessage.length === 'unknown service ""…'.length + 200);
  });
});
