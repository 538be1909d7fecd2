import assert from "node:assert/strict";
import type http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { Code, RpcError, createCallScope } from "../../core/index.js";
import { createClient } from "../../index.js";
import type { ClientCall } from "./client-call.js";
import { Echo, startGrpcJsServer, type PeerServer } from "./client-fixture.js";
import { createGrpcTransport, resolveGrpcTransportOptions } from "./index.js";
import { StreamPacer } from "./stream-pacer.js";

/** One turn of the event loop (the pacer's unit of time), not a sleep. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A stand-in call: the pacer only reads its context's abort state (`ctx.scope`) and may fail it. */
function fakeCall(id: number, signal = new AbortController().signal): ClientCall & { id: number; failedWith?: unknown } {
  const call = { id, ctx: createCallScope({ signal }), failedWith: undefined as unknown, fail(e: unknown) { call.failedWith = e; } };
  return call as unknown as ClientCall & { id: number; failedWith?: unknown };
}

const SESSION = {} as http2.ClientHttp2Session;

describe("StreamPacer", () => {
  it("sends up to its budget at once and the rest in later turns, in order", async () => {
    const sent: number[] = [];
    const pacer = new StreamPacer(3, (call) => sent.push((call as unknown as { id: number }).id));
    for (let i = 0; i < 8; i++) pacer.send(fakeCall(i), SESSION, {}, Buffer.alloc(0));
    assert.deepEqual(sent, [0, 1, 2]);
    await nextTurn();
    assert.deepEqual(sent, [0, 1, 2, 3, 4, 5]);
    await nextTurn();
    assert.deepEqual(sent, [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("gives each turn a fresh budget, and a call after a quiet turn goes at once", async () => {
    const sent: number[] = [];
    const pacer = new StreamPacer(2, (call) => sent.push((call as unknown as { id: number }).id));
    pacer.send(fakeCall(1), SESSION, {}, Buffer.alloc(0));
    pacer.send(fakeCall(2), SESSION, {}, Buffer.alloc(0));
    await nextTurn();
    await nextTurn();
    pacer.send(fakeCall(3), SESSION, {}, Buffer.alloc(0));
    pacer.send(fakeCall(4), SESSION, {}, Buffer.alloc(0));
    assert.deepEqual(sent, [1, 2, 3, 4]);
  });

  it("a call cancelled while it waits fails with its reason and is never sent", async () => {
    const sent: number[] = [];
    const pacer = new StreamPacer(1, (call) => sent.push((call as unknown as { id: number }).id));
    const ac = new AbortController();
    const waiting = fakeCall(2, ac.signal);
    pacer.send(fakeCall(1), SESSION, {}, Buffer.alloc(0));
    pacer.send(waiting, SESSION, {}, Buffer.alloc(0));
    pacer.send(fakeCall(3), SESSION, {}, Buffer.alloc(0));
    ac.abort();
    await nextTurn();
    assert.deepEqual(sent, [1, 3], "the next call takes the cancelled one's place in the turn");
    assert.ok(waiting.failedWith instanceof RpcError);
    assert.equal((waiting.failedWith as RpcError).code, Code.Canceled);
  });

  it("failWaiting fails every waiting call and sends none of them", async () => {
    const sent: number[] = [];
    const pacer = new StreamPacer(1, (call) => sent.push((call as unknown as { id: number }).id));
    const calls = [1, 2, 3].map((i) => fakeCall(i));
    for (const c of calls) pacer.send(c, SESSION, {}, Buffer.alloc(0));
    pacer.failWaiting(new RpcError(Code.Canceled, "closing"));
    await nextTurn();
    assert.deepEqual(sent, [1]);
    assert.equal(calls[0]!.failedWith, undefined);
    assert.deepEqual(calls.slice(1).map((c) => (c.failedWith as RpcError).code), [Code.Canceled, Code.Canceled]);
  });

  it("the option is validated: a whole number of streams or Infinity", () => {
    assert.equal(resolveGrpcTransportOptions({ target: "h:1" }).streamsPerTurn, 16);
    assert.equal(resolveGrpcTransportOptions({ target: "h:1", streamsPerTurn: Infinity }).streamsPerTurn, Infinity);
    assert.throws(() => resolveGrpcTransportOptions({ target: "h:1", streamsPerTurn: 0 }), /streamsPerTurn/);
    assert.throws(() => resolveGrpcTransportOptions({ target: "h:1", streamsPerTurn: 1.5 }), /streamsPerTurn/);
  });
});

describe("gRPC transport with paced streams, against a @grpc/grpc-js server", () => {
  let server: PeerServer;
  before(async () => {
    server = await startGrpcJsServer();
  });
  after(() => server.close());

  it("a burst far over the budget completes, every answer matching its request", async () => {
    const transport = createGrpcTransport({ target: server.target, streamsPerTurn: 2 });
    try {
      const client = createClient(Echo, transport);
      const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => client.Unary({ text: `m${i}` })));
      assert.deepEqual(replies.map((r) => r.text), Array.from({ length: 60 }, (_, i) => `m${i}`));
      const streamed: number[] = [];
      await Promise.all(Array.from({ length: 10 }, async () => {
        let n = 0;
        for await (const _ of client.ServerStream({ count: 3 })) n++;
        streamed.push(n);
      }));
      assert.deepEqual(streamed, Array(10).fill(3));
    } finally {
      await transport.close();
    }
  });

  it("a waiting call that is cancelled ends CANCELLED without reaching the server; the others complete", async () => {
    const transport = createGrpcTransport({ target: server.target, streamsPerTurn: 1 });
    const started: string[] = [];
    const onStarted = (name: string): void => void started.push(name);
    server.events.on("started", onStarted);
    try {
      const client = createClient(Echo, transport);
      await client.Unary({ text: "connect" });
      started.length = 0;
      const ac = new AbortController();
      const first = client.Unary({ text: "a" });
      const waiting = client.Unary({ text: "b" }, { signal: ac.signal });
      const third = client.Unary({ text: "c" });
      ac.abort();
      await assert.rejects(waiting, (e: unknown) => e instanceof RpcError && e.code === Code.Canceled);
      assert.deepEqual([(await first).text, (await third).text], ["a", "c"]);
      assert.equal(started.length, 2, "the server saw only the two calls that were sent");
    } finally {
      server.events.off("started", onStarted);
      await transport.close();
    }
  });

  it("close() fails the calls still waiting with CANCELLED", async () => {
    const transport = createGrpcTransport({ target: server.target, streamsPerTurn: 1 });
    const client = createClient(Echo, transport);
    await client.Unary({ text: "connect" });
    const calls = [client.Unary({ text: "a" }), client.Unary({ text: "b" }), client.Unary({ text: "c" })];
    const settled = Promise.allSettled(calls);
    await transport.close();
    const outcomes = await settled;
    for (const o of outcomes.slice(1)) {
      assert.equal(o.status, "rejected");
      assert.equal(((o as PromiseRejectedResult).reason as RpcError).code, Code.Canceled);
    }
  });
});
