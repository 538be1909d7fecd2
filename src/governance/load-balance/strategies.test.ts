// What each balancer promises beyond the shared suite.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testContext } from "./balancer.suite.js";
import { consistentHash } from "./consistent-hash.js";
import { powerOfTwoChoices } from "./power-of-two.js";
import { weightedRoundRobin } from "./weighted-round-robin.js";

const list = [{ address: "a:1", weight: 30 }, { address: "b:1", weight: 10 }, { address: "c:1", weight: 10 }];

describe("weighted round robin", () => {
  it("gives each endpoint exactly its weight's share, interleaved", () => {
    const p = weightedRoundRobin().build(list);
    const seq = Array.from({ length: 10 }, () => p.pick(testContext())!.address);
    assert.deepEqual(seq.filter((a) => a === "a:1").length, 6);
    assert.ok(!seq.join(",").includes("a:1,a:1,a:1"), `not smooth: ${seq.join(",")}`);
  });
});

describe("power of two choices", () => {
  it("avoids an endpoint with many calls in flight", () => {
    const b = powerOfTwoChoices();
    const eq = list.map((e) => ({ ...e, weight: 10 }));
    const p = b.build(eq);
    for (let i = 0; i < 20; i++) b.onCallStart!("a:1");
    let a = 0;
    for (let i = 0; i < 300; i++) {
      const e = p.pick(testContext())!;
      if (e.address === "a:1") a++;
      b.onCallStart!(e.address);
      b.onCallEnd!(e.address);
    }
    assert.equal(a, 0);
  });
});

describe("consistent hash", () => {
  it("sends a session to the same endpoint and moves few sessions when one leaves", () => {
    const b = consistentHash({ key: "x-session" });
    const all = [...list, { address: "d:1", weight: 10 }];
    const before = b.build(all);
    const after = b.build(all.filter((e) => e.address !== "d:1"));
    let moved = 0;
    for (let i = 0; i < 400; i++) {
      const ctx = testContext(`conv-${i}`);
      const first = before.pick(ctx)!.address;
      assert.equal(before.pick(ctx)!.address, first);
      if (first !== "d:1" && after.pick(ctx)!.address !== first) moved++;
    }
    assert.equal(moved, 0);
  });

  it("sends a session whose endpoint is skipped to the same other endpoint each time", () => {
    const p = consistentHash({ key: "x-session" }).build(list);
    const ctx = testContext("conv-x");
    const home = p.pick(ctx)!.address;
    const other = p.pick(ctx, (e) => e.address === home)!.address;
    assert.notEqual(other, home);
    for (let i = 0; i < 10; i++) assert.equal(p.pick(ctx, (e) => e.address === home)!.address, other);
  });
});
