import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, type RpcError } from "../../core/index.js";
import { WHEEL_TICK_MS } from "../../core/deadline-wheel.js";
import { WheelScope } from "./wheel-scope.js";

const expired = (s: WheelScope) => new Promise<RpcError>((resolve) => s.onAbort(resolve));

describe("timing wheel scopes", () => {
  it("expire in deadline order, no earlier than the deadline and at most a tick or two late", async () => {
    const start = Date.now();
    const scopes = [60, 20, 40].map((ms) => new WheelScope(start + ms, ms));
    const order: number[] = [];
    await Promise.all(scopes.map((s, i) => expired(s).then((e) => {
      assert.equal(e.code, Code.DeadlineExceeded);
      const late = Date.now() - s.deadline;
      assert.ok(late >= 0 && late < WHEEL_TICK_MS * 2 + 20, `fired ${late}ms after its deadline`);
      order.push(i);
    })));
    assert.deepEqual(order, [1, 2, 0]);
  });

  it("a disposed scope never fires; others in its slot still do", async () => {
    const d = Date.now() + 15;
    const a = new WheelScope(d, 15), b = new WheelScope(d, 15), c = new WheelScope(d, 15);
    let aFired = false;
    a.onAbort(() => { aFired = true; });
    a.dispose();
    await Promise.all([expired(b), expired(c)]);
    assert.equal(aFired, false);
    assert.equal(a.reason, undefined);
  });

  it("a deadline already past aborts at once; remainingMs counts down", () => {
    assert.equal(new WheelScope(Date.now() - 1, 1).reason?.code, Code.DeadlineExceeded);
    const s = new WheelScope(Date.now() + 1000, 1000);
    assert.ok(s.remainingMs() > 900 && s.remainingMs() <= 1000);
    s.dispose();
  });
});
