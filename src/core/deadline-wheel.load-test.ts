// How late the deadline wheel fires: at most a tick or two (WHEEL_TICK_MS = 4 ms) on a machine that
// is not busy. A timing threshold, so a load test (run alone by `npm run test:load`); the ordering
// and "never early" are checked in deadline-wheel.test.ts. Margin: two ticks plus 20 ms for the
// event loop's own delay.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WHEEL_TICK_MS, wheelAdd, type WheelEntry } from "./deadline-wheel.js";

function entry(expiresAt: number): WheelEntry & { expired: Promise<number> } {
  let done!: (at: number) => void;
  const expired = new Promise<number>((resolve) => { done = resolve; });
  return { expiresAt, wheelSlot: undefined, wheelIndex: 0, expired, onWheelExpire: () => done(Date.now()) };
}

describe("deadline wheel lateness", () => {
  it("fires at most a tick or two after each expiresAt", async () => {
    const now = Date.now();
    const entries = [50, 10, 30].map((ms) => entry(now + ms));
    for (const e of entries) wheelAdd(e);
    const firedAt = await Promise.all(entries.map((e) => e.expired));
    entries.forEach((e, i) => {
      const late = firedAt[i]! - e.expiresAt;
      assert.ok(late >= 0 && late < WHEEL_TICK_MS * 2 + 20, `expired ${late}ms after its expiresAt`);
    });
  });
});
