import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { Router, createClient, createInProcessTransport, type ClientTransport, type MethodDescriptor, type ServiceDescriptor } from "../../rpc/index.js";
import type { Resolver } from "../discovery/resolver.js";
import { createBalancedTransport } from "./balanced-transport.js";
import { powerOfTwoChoices } from "./power-of-two.js";

type U = MethodDescriptor<unknown, unknown, "unary">;
const json = { encode: (v: unknown) => new TextEncoder().encode(JSON.stringify(v ?? null)), decode: (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) };
const Svc = { name: "t.S", idl: "proto", meta: {}, methods: { Who: { name: "Who", serviceName: "t.S", path: "/t.S/Who", kind: "unary", idempotent: true, options: {}, input: json, output: json } as U } } as ServiceDescriptor<{ Who: U }>;

/** One in-process "instance" per address; `down` ones answer UNAVAILABLE. */
function instances(down: Set<string>) {
  const closed: string[] = [];
  const connect = (ep: { address: string }): ClientTransport => {
    const router = new Router().service(Svc, {
      Who: async () => { if (down.has(ep.address)) throw new RpcError(Code.Unavailable, `${ep.address} down`); return ep.address; },
    });
    const t = createInProcessTransport(router);
    return { ...t, close: async () => { closed.push(ep.address); } };
  };
  return { connect, closed };
}

/** A resolver the test drives by hand. */
function manualResolver() {
  let push: (list: string[]) => void = () => {};
  const resolver: Resolver = {
    name: "manual",
    watch(onUpdate) {
      push = (list) => onUpdate(list.map((address) => ({ address, weight: 10 })));
      return { close: async () => {} };
    },
  };
  return { resolver, set: (list: string[]) => push(list) };
}

describe("balanced transport", () => {
  it("waits for the first list, then follows changes, closing removed instances", async () => {
    const { connect, closed } = instances(new Set());
    const m = manualResolver();
    const t = createBalancedTransport({ resolver: m.resolver, connect });
    const c = createClient(Svc, t);
    const first = c.Who({});
    m.set(["a:1"]);
    assert.equal(await first, "a:1");
    m.set(["b:1"]);
    assert.equal(await c.Who({}), "b:1");
    assert.deepEqual(closed, ["a:1"]);
    await t.close();
  });

  it("skips an instance whose breaker opened, and says so when every breaker is open", async () => {
    const down = new Set(["a:1"]);
    const { connect } = instances(down);
    const m = manualResolver();
    const t = createBalancedTransport({ resolver: m.resolver, connect, balancer: powerOfTwoChoices(), breaker: { consecutiveFailures: 2, coolingMs: 60_000 } });
    const c = createClient(Svc, t);
    m.set(["a:1", "b:1"]);
    let failures = 0;
    for (let i = 0; i < 40; i++) await c.Who({}).catch(() => failures++);
    assert.equal(failures, 2, "two failures open a:1's breaker");
    assert.equal(t.breaker("a:1")!.state, "open");
    down.add("b:1");
    for (let i = 0; i < 2; i++) await c.Who({}).catch(() => {});
    await assert.rejects(c.Who({}), (e: RpcError) => e.code === Code.Unavailable && /circuit breaker open for every instance \(2\)/.test(e.rawMessage));
    await t.close();
  });

  it("closes a removed instance's transport after drainMs although a call still runs on it", async () => {
    let closedA: () => void = () => {};
    const aClosed = new Promise<void>((r) => (closedA = r));
    let arrived: () => void = () => {};
    const callArrived = new Promise<void>((r) => (arrived = r));
    const connect = (ep: { address: string }): ClientTransport => {
      const router = new Router().service(Svc, { Who: () => { arrived(); return new Promise(() => {}); } }); // never answers
      return { ...createInProcessTransport(router), close: async () => { if (ep.address === "a:1") closedA(); } };
    };
    const m = manualResolver();
    const t = createBalancedTransport({ resolver: m.resolver, connect, drainMs: 100 });
    m.set(["a:1"]);
    const stuck = createClient(Svc, t).Who({}).catch(() => {});
    await callArrived;
    const removed = performance.now();
    m.set(["b:1"]);
    const guard = setTimeout(() => assert.fail("a:1 was not closed within 3 s"), 3000); // the drain timer is unref'd
    await aClosed;
    clearTimeout(guard);
    const after = performance.now() - removed;
    assert.ok(after >= 90 && after < 3000, `closed after ${after} ms`);
    await t.close();
    void stuck;
  });

  it("fails with UNAVAILABLE when the resolver gives no list in time, or an empty one", async () => {
    const m = manualResolver();
    const t = createBalancedTransport({ resolver: m.resolver, connect: instances(new Set()).connect, firstListTimeoutMs: 50 });
    const c = createClient(Svc, t);
    await assert.rejects(c.Who({}), (e: RpcError) => e.code === Code.Unavailable && /no instance list/.test(e.rawMessage));
    m.set([]);
    await assert.rejects(c.Who({}), (e: RpcError) => e.code === Code.Unavailable && /no instances/.test(e.rawMessage));
    await t.close();
  });
});
