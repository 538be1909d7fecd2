// The shared test suite every balancer passes (not a test file; each balancer's test calls it).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Metadata } from "../../core/index.js";
import { ClientContext, type CallContext, type MethodDescriptor } from "../../rpc/index.js";
import type { Endpoint } from "../discovery/endpoint.js";
import type { Balancer } from "./balancer.js";

const METHOD = { name: "M", serviceName: "t.S", path: "/t.S/M", kind: "unary", idempotent: true, options: {} } as unknown as MethodDescriptor;

/** A client context whose metadata carries `x-session: <session>` (the key the suite's hash balancers use). */
export function testContext(session = String(Math.random())): CallContext {
  return new ClientContext({ method: METHOD, requestMetadata: new Metadata({ "x-session": session }), peer: "test", protocol: "test" });
}

const eps = (weights: number[]): Endpoint[] => weights.map((weight, i) => ({ address: `10.0.0.${i + 1}:8080`, weight }));

/** Pick `n` times, each call ending at once; counts per address. */
function spread(b: Balancer, list: readonly Endpoint[], n: number): Map<string, number> {
  const p = b.build(list);
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const e = p.pick(testContext(`s${i}`));
    assert.ok(e, "pick returned nothing from a non-empty list");
    b.onCallStart?.(e.address);
    b.onCallEnd?.(e.address);
    counts.set(e.address, (counts.get(e.address) ?? 0) + 1);
  }
  return counts;
}

export function describeBalancer(create: () => Balancer): void {
  describe(`balancer ${create().name}`, () => {
    it("returns undefined with no endpoints", () => {
      assert.equal(create().build([]).pick(testContext()), undefined);
    });

    it("only picks endpoints it was given", () => {
      const list = eps([10, 10, 10]);
      const p = create().build(list);
      for (let i = 0; i < 200; i++) assert.ok(list.includes(p.pick(testContext())!));
    });

    it("never picks a skipped endpoint, and gives up when all are skipped", () => {
      const list = eps([10, 10, 10]);
      const p = create().build(list);
      const banned = list[1]!.address;
      for (let i = 0; i < 200; i++) assert.notEqual(p.pick(testContext(), (e) => e.address === banned)?.address, banned);
      assert.equal(p.pick(testContext(), () => true), undefined);
    });

    it("spreads calls over endpoints of equal weight", () => {
      const counts = spread(create(), eps([10, 10, 10]), 600);
      for (const [address, n] of counts) assert.ok(n >= 120, `${address} got ${n} of 600`);
      assert.equal(counts.size, 3);
    });

    it("sends more calls to heavier endpoints", () => {
      const list = eps([30, 10, 10]);
      const counts = spread(create(), list, 1000);
      const heavy = counts.get(list[0]!.address) ?? 0;
      for (const light of list.slice(1)) assert.ok(heavy > 1.5 * (counts.get(light.address) ?? 0), `heavy ${heavy} vs ${counts.get(light.address)}`);
    });

    it("follows a new endpoint list", () => {
      const b = create();
      b.build(eps([10, 10, 10]));
      const next = [{ address: "10.0.1.9:8080", weight: 10 }, eps([10])[0]!];
      const p = b.build(next);
      for (let i = 0; i < 100; i++) assert.ok(next.includes(p.pick(testContext())!));
    });

    it("survives calls ending for addresses it no longer has", () => {
      const b = create();
      b.onCallStart?.("gone:1");
      b.build(eps([10]));
      b.onCallEnd?.("gone:1");
      b.onCallEnd?.("never-started:1");
      assert.ok(b.build(eps([10])).pick(testContext()));
    });
  });
}
