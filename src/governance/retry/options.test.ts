// The bounds of a retry policy, checked when the policy is resolved (at construction).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { resolveRetryPolicy, type RetryPolicy } from "./options.js";

const refused = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.message);

describe("retry policy bounds", () => {
  it("defaults and caps attempts per kind: failure 2 (at most 5), backup 1 (2), mixed 1 (3)", () => {
    const cases: Array<[RetryPolicy, number, number]> = [
      [{ type: "failure" }, 2, 5],
      [{ type: "backup", delayMs: 10 }, 1, 2],
      [{ type: "mixed", delayMs: 10 }, 1, 3],
    ];
    for (const [policy, byDefault, max] of cases) {
      assert.equal(resolveRetryPolicy(policy).maxRetries, byDefault);
      assert.equal(resolveRetryPolicy({ ...policy, maxRetries: max }).maxRetries, max);
      assert.throws(() => resolveRetryPolicy({ ...policy, maxRetries: max + 1 }), refused(new RegExp(`maxRetries must be an integer in \\[0, ${max}\\]`)));
    }
  });

  it("keeps the retry circuit's error rate in (0, 0.3], and refuses negative durations and backoffs", () => {
    assert.equal(resolveRetryPolicy({ type: "failure" }).errorRate, 0.1);
    assert.equal(resolveRetryPolicy({ type: "failure" }).maxDurationMs, 0, "no overall limit by default");
    for (const errorRate of [0, 0.31]) assert.throws(() => resolveRetryPolicy({ type: "failure", errorRate }), refused(/errorRate must be in \(0, 0\.3\]/));
    assert.throws(() => resolveRetryPolicy({ type: "failure", maxDurationMs: -1 }), refused(/maxDurationMs/));
    assert.throws(() => resolveRetryPolicy({ type: "failure", backoff: { type: "random", minMs: 10, maxMs: 5 } }), refused(/random backoff/));
    assert.throws(() => resolveRetryPolicy({ type: "backup", delayMs: 0 }), refused(/needs delayMs > 0/));
  });
});
