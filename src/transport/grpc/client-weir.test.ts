// Weir's client against Weir's server: every call kind, metadata, status, deadlines, cancellation,
// compression and graceful shutdown.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { Code, Metadata, RpcError, createClient, outgoing, type ServiceImpl } from "../../index.js";
import { createServer, type Server } from "./grpc-server.js";
import { Echo, type EchoReply, type EchoRequest } from "./client-fixture.js";
import { createGrpcTransport, type GrpcTransport } from "./index.js";
import { onceWithin } from "../../../test/helpers/wait.js";
import { rejectsWith } from "../../../test/helpers/rpc.js";

const reply = (text: string, index = 0, size = 0): EchoReply => ({ text, index, payload: new Uint8Array(size) });

function echoImpl(events: EventEmitter): ServiceImpl<typeof Echo.methods> {
  const watch = (name: string, signal: AbortSignal) => {
    events.emit("started", name);
    signal.addEventListener("abort", () => events.emit("aborted", name, signal.reason), { once: true });
  };
  return {
    async Unary(req, ctx) {
      watch("Unary", ctx.signal);
      ctx.responseHeaders.set("x-seen", ctx.requestMetadata.getString("x-user") ?? "");
      const bin = ctx.requestMetadata.get("x-data-bin");
      if (bin) ctx.responseTrailers.set("x-echo-bin", bin);
      if (req.delay_ms) await sleep(req.delay_ms, undefined, { signal: ctx.signal });
      if (req.status) throw new RpcError(req.status, req.message ?? "", { metadata: { "x-why": "asked" } });
      if (req.size) ctx.responseEncoding = "gzip";
      return reply(req.text ?? "", 0, req.size ?? 0);
    },
    async *ServerStream(req, ctx) {
      watch("ServerStream", ctx.signal);
      try {
        for (let i = 0; i < (req.count ?? 0); i++) {
          if (req.delay_ms) await sleep(req.delay_ms, undefined, { signal: ctx.signal });
          yield reply(req.text ?? "", i, req.size ?? 0);
        }
      } finally {
        events.emit("stream-finally");
      }
    },
    async ClientStream(reqs, ctx) {
      watch("ClientStream", ctx.signal);
      const texts: string[] = [];
      for await (const r of reqs) texts.push(r.text ?? "");
      return reply(texts.join(","), texts.length);
    },
    async *Bidi(reqs, ctx) {
      watch("Bidi", ctx.signal);
      let i = 0;
      for await (const r of reqs) yield reply(r.text ?? "", i++);
    },
  };
}

describe("Weir client <-> Weir server", () => {
  const events = new EventEmitter();
  let server: Server;
  let transport: GrpcTransport;
  let client: ReturnType<typeof createClient<typeof Echo.methods>>;
  before(async () => {
    server = createServer().service(Echo, echoImpl(events));
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    transport = createGrpcTransport({ target: `127.0.0.1:${port}` });
    client = createClient(Echo, transport);
  });
  after(async () => {
    await transport.close();
    await server.close({ graceMs: 0 });
  });

  it("the four call kinds", async () => {
    assert.equal((await client.Unary({ text: "u" })).text, "u");
    const indexes: number[] = [];
    for await (const m of client.ServerStream({ count: 20 })) indexes.push(m.index);
    assert.deepEqual(indexes, Array.from({ length: 20 }, (_, i) => i));
    assert.equal((await client.ClientStream([{ text: "a" }, { text: "b" }])).text, "a,b");
    const texts: string[] = [];
    for await (const m of client.Bidi([{ text: "x" }, { text: "y" }, { text: "z" }])) texts.push(m.text);
    assert.deepEqual(texts, ["x", "y", "z"]);
  });

  it("metadata both ways, including -bin, and a status with a unicode message", async () => {
    let headers: Metadata | undefined, trailers: Metadata | undefined;
    await client.Unary({}, {
      metadata: { "x-user": "ada", "x-data-bin": new Uint8Array([0, 255]) },
      onHeader: (h) => (headers = h), onTrailer: (t) => (trailers = t),
    });
    assert.equal(headers?.get("x-seen"), "ada");
    assert.deepEqual([...(trailers?.get("x-echo-bin") as Uint8Array)], [0, 255]);
    const e = await rejectsWith(client.Unary({ status: Code.FailedPrecondition, message: "café ☕ 100%" }), Code.FailedPrecondition);
    assert.equal(e.rawMessage, "café ☕ 100%");
    assert.equal(e.metadata.get("x-why"), "asked");
  });

  it("deadline -> DEADLINE_EXCEEDED on the client, the handler's signal aborts", async () => {
    const aborted = onceWithin(events, "aborted");
    await rejectsWith(client.Unary({ delay_ms: 10_000 }, { timeoutMs: 100 }), Code.DeadlineExceeded);
    const [name] = await aborted;
    assert.equal(name, "Unary");
  });

  it("abort -> CANCELLED, the handler's signal aborts", async () => {
    const ac = new AbortController();
    const started = onceWithin(events, "started");
    const aborted = onceWithin(events, "aborted");
    const call = client.Unary({ delay_ms: 10_000 }, { signal: ac.signal });
    await started;
    ac.abort();
    await rejectsWith(call, Code.Canceled);
    await aborted;
  });

  it("leaving a server stream early ends the handler's generator", async () => {
    const finished = onceWithin(events, "stream-finally");
    let n = 0;
    for await (const _ of client.ServerStream({ count: 100_000, size: 1024 })) if (++n === 5) break;
    await finished;
  });

  it("compression both ways", async () => {
    let compressed: boolean | undefined;
    const c = createClient(Echo, transport, {
      middleware: [(next) => async (call) => { const r = await next(call); compressed = call.ctx.lastResponseCompressed; return r; }],
    });
    const r = await c.Unary({ text: "z".repeat(5000), size: 2048 }, { compression: "deflate" });
    assert.equal(r.text.length, 5000);
    assert.equal(compressed, true);
    assert.equal((await c.ClientStream([{ text: "a" }, outgoing({ text: "b" }, { compress: false })], { compression: "gzip" })).text, "a,b");
  });

  it("many concurrent calls of every kind on one connection", async () => {
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      calls.push(client.Unary({ text: String(i) }));
      calls.push(client.ClientStream([{ text: String(i) }]));
      calls.push((async () => { let n = 0; for await (const _ of client.ServerStream({ count: 5 })) n++; return n; })());
    }
    const results = await Promise.all(calls);
    assert.equal(results.length, 150);
  });
});

describe("Weir client <-> Weir server: shutdown", () => {
  it("a graceful close lets the call in flight finish; the next call reconnects to a new server", async () => {
    const events = new EventEmitter();
    const first = createServer().service(Echo, echoImpl(events));
    const { port } = await first.listen({ port: 0, host: "127.0.0.1" });
    const transport = createGrpcTransport({ target: `127.0.0.1:${port}` });
    let second: Server | undefined;
    try {
      const client = createClient(Echo, transport);
      const started = onceWithin(events, "started");
      const inFlight = client.Unary({ text: "slow", delay_ms: 200 });
      await started;
      const closed = first.close({ graceMs: 5000 });
      assert.equal((await inFlight).text, "slow");
      await closed;
      await rejectsWith(client.Unary({}), Code.Unavailable);
      second = createServer().service(Echo, echoImpl(events));
      await second.listen({ port, host: "127.0.0.1" });
      // the failed attempt put the transport in backoff; a fresh transport connects at once
      const again = createGrpcTransport({ target: `127.0.0.1:${port}` });
      try {
        assert.equal((await createClient(Echo, again).Unary({ text: "back" })).text, "back");
      } finally {
        await again.close();
      }
    } finally {
      await transport.close();
      await second?.close({ graceMs: 0 });
    }
  });
});
