// The client's connection pool: more HTTP/2 connections when the streams of the open ones run
// out (against Weir's server and grpc-js's, each allowing 2 concurrent streams), a bounded wait
// for a free stream when every connection is full, and the errors that end such a wait.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { Code, RpcError, createClient, type ServiceImpl } from "../../index.js";
import { createServer, type Server } from "./grpc-server.js";
import { Echo, startGrpcJsServer, type EchoReply, type PeerServer } from "./client-fixture.js";
import { createGrpcTransport, type GrpcTransport, type GrpcTransportOptions } from "./index.js";
import { until } from "../../../test/helpers/wait.js";

const reply = (text: string, index = 0): EchoReply => ({ text, index, payload: new Uint8Array(0) });

/** ServerStream: the first message at once, then one every `delay_ms`, `count` in all. */
const weirEcho: ServiceImpl<typeof Echo.methods> = {
  async Unary(req) {
    return reply(req.text ?? "");
  },
  async *ServerStream(req, ctx) {
    for (let i = 0; i < (req.count ?? 0); i++) {
      if (i > 0) await sleep(req.delay_ms ?? 0, undefined, { signal: ctx.signal });
      yield reply(req.text ?? "", i);
    }
  },
  async ClientStream() {
    return reply("");
  },
  async *Bidi() {},
};

type EchoClient = ReturnType<typeof createClient<typeof Echo.methods>>;

/** Open a long server stream and wait for its first message: proof that it runs on the server. */
async function openLong(client: EchoClient, text: string): Promise<AsyncIterator<EchoReply>> {
  const it = client.ServerStream({ text, count: 2, delay_ms: 60_000 })[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.done, false);
  return it;
}

async function rejection(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RpcError, `expected an RpcError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected the call to fail");
}

function describePool(name: string, start: () => Promise<{ target: string; close(): Promise<void> }>): void {
  describe(`connection pool against ${name} (2 streams per connection)`, { timeout: 30_000 }, () => {
    let peer: { target: string; close(): Promise<void> };
    const transports: GrpcTransport[] = [];
    const open = (o: Partial<GrpcTransportOptions> = {}) => {
      const t = createGrpcTransport({ target: peer.target, ...o });
      transports.push(t);
      return { t, client: createClient(Echo, t) };
    };
    before(async () => {
      peer = await start();
    });
    after(async () => {
      for (const t of transports) await t.close();
      await peer.close();
    });

    it("opens more connections as the streams of the open ones run out, up to maxConnections", async () => {
      const { t, client } = open({ maxConnections: 3 });
      const streams = await Promise.all([1, 2, 3, 4, 5].map((i) => openLong(client, `s${i}`)));
      assert.deepEqual(t.stats(), { connections: 3, streams: 5, waitingCalls: 0 });
      assert.equal((await client.Unary({ text: "fits in the third" }, { timeoutMs: 5000 })).text, "fits in the third");
      await Promise.all(streams.map((s) => s.return!()));
    });

    it("a connection beyond the first closes after spareConnectionIdleMs without calls; the first stays", async () => {
      const { t, client } = open({ maxConnections: 3, spareConnectionIdleMs: 100 });
      const streams = await Promise.all([1, 2, 3, 4, 5].map((i) => openLong(client, `s${i}`)));
      assert.equal(t.stats().connections, 3);
      await Promise.all(streams.map((s) => s.return!()));
      await until(() => t.stats().connections === 1, "connections to be 1");
      assert.equal(t.state, "ready");
      assert.equal((await client.Unary({ text: "still" })).text, "still");
    });

    it("when every connection is full a call waits, and takes the first stream that ends", async () => {
      const { t, client } = open({ maxConnections: 1 });
      const [a, b] = await Promise.all([openLong(client, "a"), openLong(client, "b")]);
      const waiting = client.Unary({ text: "waited" }, { timeoutMs: 10_000 });
      await until(() => t.stats().waitingCalls === 1, "waitingCalls to be 1");
      await a.return!();
      assert.equal((await waiting).text, "waited");
      assert.equal(t.stats().connections, 1);
      await b.return!();
    });

    it("a full waiting queue refuses at once with RESOURCE_EXHAUSTED and a retry hint", async () => {
      const { t, client } = open({ maxConnections: 1, maxWaitingCalls: 1 });
      const streams = await Promise.all([openLong(client, "a"), openLong(client, "b")]);
      const ac = new AbortController();
      const waiting = rejection(client.Unary({}, { signal: ac.signal }));
      await until(() => t.stats().waitingCalls === 1, "waitingCalls to be 1");
      const start = performance.now();
      const e = await rejection(client.Unary({}));
      assert.ok(performance.now() - start < 1000, "refused without waiting");
      assert.equal(e.code, Code.ResourceExhausted);
      assert.match(e.rawMessage, /1 calls? already wait/);
      assert.equal(e.metadata.getString("retry-after"), "1");
      ac.abort();
      assert.equal((await waiting).code, Code.Canceled, "a cancelled call leaves the queue");
      assert.equal(t.stats().waitingCalls, 0);
      await Promise.all(streams.map((s) => s.return!()));
    });

    it("a wait longer than streamWaitTimeoutMs fails with UNAVAILABLE and a retry hint; a shorter deadline wins", async () => {
      const { t, client } = open({ maxConnections: 1, streamWaitTimeoutMs: 200 });
      const streams = await Promise.all([openLong(client, "a"), openLong(client, "b")]);
      const start = performance.now();
      const e = await rejection(client.Unary({}));
      const waited = performance.now() - start;
      assert.ok(waited >= 190 && waited < 3000, `waited ${waited} ms`);
      assert.equal(e.code, Code.Unavailable);
      assert.match(e.rawMessage, /no HTTP\/2 stream .* became free within 200 ms/);
      assert.equal(e.metadata.getString("retry-after"), "1");
      assert.equal((await rejection(client.Unary({}, { timeoutMs: 50 }))).code, Code.DeadlineExceeded);
      assert.equal(t.stats().waitingCalls, 0);
      // the slots the failed waits never took are still there for the next calls
      await streams[0]!.return!();
      assert.equal((await client.Unary({ text: "after" })).text, "after");
      await streams[1]!.return!();
      await until(() => t.stats().streams === 0, "streams to be 0"); // each slot comes back when its stream closes
    });
  });
}

describePool("Weir's server", async () => {
  const server: Server = createServer({ maxConcurrentStreams: 2 }).service(Echo, weirEcho);
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  return { target: `127.0.0.1:${port}`, close: () => server.close({ graceMs: 0 }) };
});

describePool("grpc-js's server", async (): Promise<PeerServer> => startGrpcJsServer({ channelOptions: { "grpc.max_concurrent_streams": 2 } }));

