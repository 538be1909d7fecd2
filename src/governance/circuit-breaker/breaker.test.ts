import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { Router, createClient, createInProcessTransport, type MethodDescriptor, type ServiceDescriptor } from "../../rpc/index.js";
import { CircuitBreaker, resolveCircuitBreakerOptions } from "./breaker.js";
import { circuitBreaker } from "./middleware.js";
import { manualClock } from "../../../test/helpers/clock.js";

const fail = new RpcError(Code.Unavailable, "down");

describe("circuit breaker", () => {
  it("opens after consecutive failures and fails fast with UNAVAILABLE saying so", () => {
    const b = new CircuitBreaker("svc/M", resolveCircuitBreakerOptions({ consecutiveFailures: 3, minSamples: 100 }));
    for (let i = 0; i < 2; i++) { assert.equal(b.acquire(), undefined); b.record(fail); }
    assert.equal(b.state, "closed");
    b.record(fail);
    assert.equal(b.state, "open");
    const err = b.acquire()!;
    assert.equal(err.code, Code.Unavailable);
    assert.match(err.rawMessage, /circuit breaker open for svc\/M \(3 consecutive failures\)/);
  });

  it("opens on the error rate only once the window has enough samples", () => {
    const b = new CircuitBreaker("k", resolveCircuitBreakerOptions({ errorRate: 0.5, minSamples: 10, consecutiveFailures: 0 }));
    for (let i = 0; i < 4; i++) { b.record(undefined); b.record(fail); }
    assert.equal(b.state, "closed", "8 samples are not enough");
    b.record(undefined);
    b.record(fail);
    assert.equal(b.state, "open");
  });

  it("ignores errors that are not failures and cancellations", () => {
    const b = new CircuitBreaker("k", resolveCircuitBreakerOptions({ consecutiveFailures: 2 }));
    for (let i = 0; i < 5; i++) b.record(new RpcError(Code.NotFound, "no"));
    for (let i = 0; i < 5; i++) b.record(new RpcError(Code.Canceled, "bye"));
    assert.equal(b.state, "closed");
  });

  it("half-opens after cooling, lets probes through, closes after enough successes, reopens on a failed probe", () => {
    const clock = manualClock();
    const b = new CircuitBreaker("k", resolveCircuitBreakerOptions({ consecutiveFailures: 1, coolingMs: 5000, successesToClose: 2, halfOpenProbes: 1, clock }));
    b.record(fail);
    assert.equal(b.state, "open");
    clock.advance(4999);
    assert.equal(b.state, "open", "not before the cool-down");
    assert.match(b.acquire()!.rawMessage, /next probe in 1ms/);
    clock.advance(1);
    assert.equal(b.state, "half-open");
    assert.equal(b.acquire(), undefined);
    assert.ok(b.acquire() instanceof RpcError, "one probe at a time");
    b.record(fail);
    assert.equal(b.state, "open");
    clock.advance(5000);
    assert.equal(b.acquire(), undefined);
    b.record(undefined);
    assert.equal(b.state, "half-open");
    assert.equal(b.acquire(), undefined);
    b.record(undefined);
    assert.equal(b.state, "closed");
  });

  it("counts the error rate over the window of its clock: old outcomes expire", () => {
    const clock = manualClock();
    const b = new CircuitBreaker("k", resolveCircuitBreakerOptions({ errorRate: 0.5, minSamples: 4, consecutiveFailures: 0, windowMs: 10_000, clock }));
    b.record(fail);
    b.record(fail);
    b.record(fail);
    clock.advance(10_000); // those three leave the window
    b.record(undefined);
    b.record(undefined);
    b.record(undefined);
    b.record(fail);
    assert.equal(b.state, "closed", "1 failure in 4 calls");
    b.record(fail);
    b.record(fail);
    assert.equal(b.state, "open", "3 failures in 6 calls");
  });

  it("rejects nonsense options", () => {
    assert.throws(() => resolveCircuitBreakerOptions({ errorRate: 0 }), /errorRate/);
    assert.throws(() => resolveCircuitBreakerOptions({ successesToClose: 0 }), /successesToClose/);
  });
});

describe("circuitBreaker middleware", () => {
  const method = (name: string) => ({ name, serviceName: "t.S", path: `/t.S/${name}`, kind: "unary", idempotent: false, options: {},
    input: { encode: (v: unknown) => new TextEncoder().encode(JSON.stringify(v ?? null)), decode: (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) },
    output: { encode: (v: unknown) => new TextEncoder().encode(JSON.stringify(v ?? null)), decode: (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) } }) as MethodDescriptor<unknown, unknown, "unary">;
  const Svc = { name: "t.S", idl: "proto", meta: {}, methods: { A: method("A"), B: method("B") } } as ServiceDescriptor<{ A: MethodDescriptor<unknown, unknown, "unary">; B: MethodDescriptor<unknown, unknown, "unary"> }>;

  it("keeps one breaker per method: a failing method does not stop another", async () => {
    let calls = 0;
    const router = new Router().service(Svc, {
      A: async () => { calls++; throw new RpcError(Code.Unavailable, "A is down"); },
      B: async () => ({ ok: true }),
    });
    const mw = circuitBreaker({ consecutiveFailures: 2 });
    const c = createClient(Svc, createInProcessTransport(router), { middleware: [mw] });
    for (let i = 0; i < 2; i++) await assert.rejects(c.A({}), /A is down/);
    await assert.rejects(c.A({}), (e: RpcError) => e.code === Code.Unavailable && e.rawMessage.startsWith("circuit breaker open"));
    assert.equal(calls, 2);
    assert.deepEqual(await c.B({}), { ok: true });
    assert.equal(mw.breaker("/t.S/A")!.state, "open");
  });
});
