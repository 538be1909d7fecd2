// Limits against real Weir gRPC servers: QPS, concurrency, busy connections, client max in flight.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Code, RpcError, createClient, type ClientTransport } from "../../src/index.js";
import { createGrpcTransport } from "../../src/transport/index.js";
import { concurrencyLimit, connectionLimit, maxInFlight, rateLimit } from "../../src/governance/index.js";
import { Work, startWork, type Running } from "./fixture.js";

const running: Running[] = [];
const transports: ClientTransport[] = [];
after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(running.map((r) => r.server.close({ graceMs: 0 })));
});
const transport = (address: string) => {
  const t = createGrpcTransport({ target: address });
  transports.push(t);
  return t;
};
const exhausted = (e: unknown) => e instanceof RpcError && e.code === Code.ResourceExhausted;

describe("limits", () => {
  it("QPS: a token bucket answers RESOURCE_EXHAUSTED with a retry-after hint", async () => {
    const s = await startWork("qps", { middleware: [rateLimit({ qps: 2, burst: 5 })] });
    running.push(s);
    const c = createClient(Work, transport(s.address));
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => c.Do({})));
    const rejected = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as RpcError);
    assert.equal(results.length - rejected.length, 5);
    assert.ok(rejected.every(exhausted));
    assert.equal(rejected[0]!.metadata.getString("retry-after"), "1");
    const ms = Number(rejected[0]!.metadata.getString("retry-after-ms"));
    assert.ok(ms > 0 && ms <= 500, `retry-after-ms ${ms}`);
  });

  it("QPS per method: one method's bucket does not drain another's", async () => {
    const s = await startWork("qpsm", { middleware: [rateLimit({ qps: 1, burst: 1, per: "method" })] });
    running.push(s);
    const c = createClient(Work, transport(s.address));
    await c.Do({});
    await assert.rejects(c.Do({}), exhausted);
    await c.Write({});
  });

  it("concurrency: calls beyond the limit in flight are refused, streams count until they end", async () => {
    const s = await startWork("conc", { middleware: [concurrencyLimit({ max: 2 })], behaviour: { delayMs: 150 } });
    running.push(s);
    const c = createClient(Work, transport(s.address));
    const results = await Promise.allSettled([c.Do({}), c.Do({}), c.Do({})]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 2);
    assert.ok(exhausted((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason));
    let endRequests!: () => void;
    const ended = new Promise<void>((r) => { endRequests = r; });
    async function* requests() { yield { text: "a" }; await ended; }
    const stream = c.Chat(requests())[Symbol.asyncIterator]();
    await stream.next(); // the stream is open on the server and counts
    const busy = await Promise.allSettled([c.Do({}), c.Do({})]);
    assert.equal(busy.filter((r) => r.status === "rejected").length, 1);
    endRequests();
    assert.equal((await stream.next()).done, true);
    await c.Do({});
  });

  it("busy connections: a new connection is refused while max others have calls in flight", async () => {
    const s = await startWork("conn", { middleware: [connectionLimit({ max: 1 })], behaviour: { delayMs: 200 } });
    running.push(s);
    const first = createClient(Work, transport(s.address));
    const second = createClient(Work, transport(s.address));
    const reached = new Promise<void>((r) => { s.behaviour.onStart = r; });
    const slow = first.Do({});
    await reached;
    s.behaviour.onStart = undefined;
    await assert.rejects(second.Do({}), exhausted);
    await first.Do({ delay_ms: 0 }); // the busy connection itself may go on
    await slow;
    await second.Do({});
  });

  it("client max in flight fails fast without reaching the server", async () => {
    const s = await startWork("mif", { behaviour: { delayMs: 100 } });
    running.push(s);
    const c = createClient(Work, transport(s.address), { middleware: [maxInFlight({ max: 2 })] });
    const results = await Promise.allSettled([c.Do({}), c.Do({}), c.Do({})]);
    assert.equal(results.filter((r) => r.status === "rejected").length, 1);
    assert.equal(s.behaviour.calls, 2);
  });
});
