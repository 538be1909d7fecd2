import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { wheelAdd, wheelRemove, type WheelEntry } from "./deadline-wheel.js";

class Entry implements WheelEntry {
  wheelSlot: WheelEntry[] | undefined = undefined;
  wheelIndex = 0;
  expiredAt: number | undefined;
  readonly expired: Promise<void>;
  private done!: () => void;
  constructor(readonly expiresAt: number) {
    this.expired = new Promise((resolve) => { this.done = resolve; });
  }
  onWheelExpire(): void {
    assert.equal(this.wheelSlot, undefined, "off the wheel before it is told");
    this.expiredAt = Date.now();
    this.done();
  }
}

describe("deadline wheel", () => {
  it("expires entries in deadline order, never early", async () => {
    const now = Date.now();
    const entries = [50, 10, 30].map((ms) => new Entry(now + ms));
    const order: number[] = [];
    for (const e of entries) wheelAdd(e);
    await Promise.all(entries.map((e, i) => e.expired.then(() => order.push(i))));
    assert.deepEqual(order, [1, 2, 0]);
    for (const e of entries) assert.ok(e.expiredAt! >= e.expiresAt, `expired ${e.expiresAt - e.expiredAt!}ms before its deadline`);
  });

  it("a removed entry never expires; the others of its slot still do", async () => {
    const d = Date.now() + 15;
    const [a, b, c] = [new Entry(d), new Entry(d), new Entry(d)];
    for (const e of [a, b, c]) wheelAdd(e);
    wheelRemove(a);
    wheelRemove(a); // twice is harmless
    await Promise.all([b.expired, c.expired]);
    assert.equal(a.expiredAt, undefined);
  });

  it("a deadline already past expires on the timer's next turn, not during wheelAdd", async () => {
    const e = new Entry(Date.now() - 5);
    wheelAdd(e);
    assert.equal(e.expiredAt, undefined);
    await e.expired;
  });

  it("a deadline beyond a timer's range waits without spinning the timer", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    const far = new Entry(Date.now() + 40 * 24 * 3600 * 1000); // past setTimeout's 24.8 days
    const near = new Entry(Date.now() + 20);
    wheelAdd(far);
    wheelAdd(near);
    await near.expired;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(far.expiredAt, undefined);
    wheelRemove(far);
    process.off("warning", onWarning);
    assert.deepEqual(warnings.map((w) => w.name), []);
  });

  it("a pending deadline holds the process open; an idle wheel does not", async () => {
    const wheel = new URL("./deadline-wheel.js", import.meta.url).href;
    const run = (delayMs: number, body: string) => promisify(execFile)(process.execPath, ["--input-type=module", "-e", `
      import { wheelAdd, wheelRemove } from ${JSON.stringify(wheel)};
      const e = { expiresAt: Date.now() + ${delayMs}, wheelSlot: undefined, wheelIndex: 0, onWheelExpire() { console.log("expired"); } };
      ${body}`]);
    const started = Date.now();
    assert.equal((await run(60_000, "wheelAdd(e); wheelRemove(e);")).stdout, "", "removed: exits at once");
    assert.ok(Date.now() - started < 30_000, "did not wait for the removed deadline");
    assert.equal((await run(50, "wheelAdd(e);")).stdout.trim(), "expired", "pending: waits and expires");
  });
});
