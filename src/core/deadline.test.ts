import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, CallScope, RpcError, createCallScope } from "./index.js";

const expired = (s: CallScope) => new Promise<RpcError>((resolve) => s.onAbort(resolve));
/** White-box: whether the scope has made its AbortController. */
const hasController = (s: CallScope) => (s as unknown as { controller: unknown }).controller !== undefined;

describe("call scopes on the deadline wheel", () => {
  // Order and never-early are the functional checks; lateness gets a wide bound, since two loaded
  // cores make timers late by tens of ms (the wheel's own precision is deadline-wheel.test.ts's).
  it("expire in deadline order, never before the deadline", async () => {
    const scopes = [60, 20, 40].map((timeoutMs) => new CallScope({ timeoutMs }));
    const order: number[] = [];
    await Promise.all(scopes.map((s, i) => expired(s).then((e) => {
      assert.equal(e.code, Code.DeadlineExceeded);
      const late = Date.now() - s.deadline!;
      assert.ok(late >= 0 && late < 500, `fired ${late}ms after its deadline`);
      order.push(i);
    })));
    assert.deepEqual(order, [1, 2, 0]);
  });

  it("a disposed scope never fires; others in its slot still do", async () => {
    const deadline = Date.now() + 15;
    const [a, b, c] = [1, 2, 3].map(() => new CallScope({ deadline }));
    let aFired = false;
    a!.onAbort(() => { aFired = true; });
    a!.dispose();
    await Promise.all([expired(b!), expired(c!)]);
    assert.equal(aFired, false);
    assert.equal(a!.reason, undefined);
  });

  it("a deadline already past aborts at once; remainingMs counts down", () => {
    assert.equal(new CallScope({ deadline: Date.now() - 1 }).reason?.code, Code.DeadlineExceeded);
    const s = new CallScope({ timeoutMs: 1000 });
    const left = s.remainingMs()!;
    assert.ok(left > 900 && left <= 1000, `remaining ${left}`);
    s.dispose();
  });

  it("armDeadline: false reports the deadline without putting it on the wheel", () => {
    const armed = new CallScope({ timeoutMs: 1000 });
    const owned = new CallScope({ timeoutMs: 1000, armDeadline: false });
    assert.notEqual(armed.wheelSlot, undefined);
    assert.equal(owned.wheelSlot, undefined, "the owner aborts it, not the wheel");
    assert.ok(owned.deadline !== undefined && owned.remainingMs()! > 900);
    armed.dispose();
    assert.equal(armed.wheelSlot, undefined);
  });
});

describe("the lazy AbortSignal", () => {
  it("is not created by reason, onAbort, abort or complete; reading signal creates it already aborted", () => {
    const s = createCallScope({ timeoutMs: 60_000 });
    const seen: RpcError[] = [];
    s.onAbort((r) => seen.push(r));
    assert.equal(s.reason, undefined);
    s.abort(new RpcError(Code.Canceled, "gone"));
    assert.equal(hasController(s), false);
    assert.equal(seen.length, 1);
    assert.equal(s.signal.aborted, true);
    assert.equal((s.signal.reason as RpcError).rawMessage, "gone");
    s.dispose();
  });

  it("complete() aborts a signal someone holds with CANCELLED, and builds nothing when nobody does", () => {
    const quiet = createCallScope();
    quiet.complete();
    assert.equal(quiet.reason, undefined);
    assert.equal(hasController(quiet), false);
    const held = createCallScope();
    const signal = held.signal;
    held.complete();
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as RpcError).code, Code.Canceled);
  });

  it("the first reason wins; offAbort removes a listener", () => {
    const s = createCallScope();
    let calls = 0;
    const listener = () => calls++;
    s.onAbort(listener);
    s.onAbort(() => {});
    s.offAbort(listener);
    s.abort(new RpcError(Code.DeadlineExceeded, "first"));
    s.abort(new RpcError(Code.Canceled, "second"));
    assert.equal(calls, 0);
    assert.equal(s.reason?.rawMessage, "first");
    assert.equal(s.scope, s, "a scope is its own scope (what CallContext.scope reaches)");
  });
});
