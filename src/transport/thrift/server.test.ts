import assert from "node:assert/strict";
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { parseThrift } from "../../codec/thrift/service.js";
import { Code, RpcError } from "../../core/index.js";
import { Router, createClient, type ClientTransport, type MethodDescriptor } from "../../rpc/index.js";
import { bizError, bizStatusOf } from "../ttheader/biz-error.js";
import { createThriftTransport, type ThriftClientOptions } from "./client.js";
import { IntKey } from "../ttheader/keys.js";
import { AppExceptionType, decodeAppException } from "./app-exception.js";
import { THRIFT_ENVELOPE } from "./dispatch.js";
import { MessageType, readMessageHeader, writeMessageHeader } from "./message.js";
import { ThriftServerEngine } from "./server.js";
import type { WireMessage } from "./wire.js";
import { within } from "../../../test/helpers/wait.js";

const IDL = parseThrift(`
service Alpha { string who(), string onlyAlpha() }
service Beta { string who(), string slow(1: i32 ms), string biz(), string meta(), oneway void poke(1: string tag) }
`, { fileName: "multi.thrift" });

type UnaryMethod<I, O> = MethodDescriptor<I, O, "unary">;
type Alpha = { who: UnaryMethod<Record<string, never>, string>; onlyAlpha: UnaryMethod<Record<string, never>, string> };
type Beta = {
  who: UnaryMethod<Record<string, never>, string>;
  slow: UnaryMethod<{ ms: number }, string>;
  biz: UnaryMethod<Record<string, never>, string>;
  meta: UnaryMethod<Record<string, never>, string>;
  poke: UnaryMethod<{ tag: string }, void>;
};
const A = IDL.service<Alpha>("Alpha");
const B = IDL.service<Beta>("Beta");

describe("Thrift server: routing, deadlines, metadata, business errors", () => {
  let listener: NetServer;
  let target = "";
  const transports: ClientTransport[] = [];
  const seen: { deadline?: number; tag?: string; logId?: string; logIdKey?: string } = {};
  let poked: () => void = () => {};

  before(async () => {
    const router = new Router();
    router.service(A, { who: () => "alpha", onlyAlpha: () => "only" });
    router.service(B, {
      who: () => "beta",
      slow: async ({ ms }, ctx) => {
        seen.deadline = ctx.timeRemaining();
        await new Promise((r) => setTimeout(r, ms));
        return "late";
      },
      biz: () => { throw bizError(1001, "bad input", { k: "v" }); },
      meta: (_req, ctx) => {
        ctx.responseHeaders.set("x-answer", "42");
        seen.logId = ctx.requestMetadata.getString("log-id");
        seen.logIdKey = (ctx.values.get(THRIFT_ENVELOPE) as WireMessage).ttheader?.intInfo.get(IntKey.LogId);
        return ctx.requestMetadata.getString("x-question") ?? "none";
      },
      poke: ({ tag }) => { seen.tag = tag; poked(); },
    });
    const engine = new ThriftServerEngine(router, { fallbackService: "Beta", log: () => {} });
    listener = createNetServer((s) => engine.handleConnection(s));
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    target = `127.0.0.1:${(listener.address() as AddressInfo).port}`;
  });

  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await new Promise((r) => listener.close(r));
  });

  const transport = (o: Omit<ThriftClientOptions, "target"> = {}) => {
    const t = createThriftTransport({ target, ...o });
    transports.push(t);
    return t;
  };

  it("routes by the TTHeader isn key, and by method name to the fallback service without it", async () => {
    const tt = transport({ transport: "ttheader" });
    assert.equal(await createClient(A, tt).who({}), "alpha");
    assert.equal(await createClient(B, tt).who({}), "beta");
    assert.equal(await createClient(B, transport({ transport: "ttheader", ttheaderFramed: true })).who({}), "beta");
    const framed = transport({ transport: "framed" });
    assert.equal(await createClient(A, framed).who({}), "beta", "no service name: the fallback service answers");
    assert.equal(await createClient(A, framed).onlyAlpha({}), "only", "a method only Alpha has is found there");
  });

  it("routes multiplexed method names (Service:method) and THeader isn", async () => {
    assert.equal(await createClient(A, transport({ transport: "framed", multiplexed: true })).who({}), "alpha");
    assert.equal(await createClient(A, transport({ transport: "header", protocol: "compact" })).who({}), "alpha");
  });

  it("an unknown isn falls back to the one service that has the method", async () => {
    const t = transport({ transport: "ttheader", serviceName: "Gamma" });
    assert.equal(await createClient(A, t).onlyAlpha({}), "only");
  });

  it("turns the client's timeout into the handler's deadline (TTHeader RPCTimeout, THeader client_timeout)", async () => {
    for (const o of [{ transport: "ttheader" as const }, { transport: "header" as const }]) {
      seen.deadline = undefined;
      assert.equal(await createClient(B, transport(o)).slow({ ms: 1 }, { timeoutMs: 5000 }), "late");
      assert.ok(seen.deadline !== undefined && seen.deadline <= 5000 && seen.deadline > 4000, `deadline ${seen.deadline}`);
    }
    seen.deadline = undefined;
    await createClient(B, transport({ transport: "framed" })).slow({ ms: 1 });
    assert.equal(seen.deadline, undefined, "framed carries no deadline");
  });

  it("a call past its deadline fails with DEADLINE_EXCEEDED and the connection is replaced", async () => {
    const client = createClient(B, transport({ transport: "ttheader", maxConnections: 1 }));
    await assert.rejects(client.slow({ ms: 300 }, { timeoutMs: 30 }), (e: RpcError) => e.code === Code.DeadlineExceeded);
    assert.equal(await client.who({}), "beta");
  });

  it("carries metadata as TTHeader string keys both ways, and log-id as the LogID int key", async () => {
    let answer = "";
    const got = await createClient(B, transport({ transport: "ttheader" })).meta({}, {
      metadata: { "x-question": "life", "log-id": "20261121-abc" },
      onHeader: (h) => (answer = h.getString("x-answer") ?? ""),
    });
    assert.equal(got, "life");
    assert.equal(answer, "42");
    assert.equal(seen.logId, "20261121-abc");
    assert.equal(seen.logIdKey, "20261121-abc", "log-id travels as the LogID int key");
  });

  it("replies a business error as Kitex does on TTHeader, as TApplicationException elsewhere", async () => {
    await assert.rejects(createClient(B, transport({ transport: "ttheader" })).biz({}), (e: RpcError) => {
      assert.deepEqual(bizStatusOf(e), { status: 1001, message: "bad input", extra: { k: "v" } });
      return true;
    });
    await assert.rejects(createClient(B, transport({ transport: "framed" })).biz({}), (e: RpcError) =>
      e.code === Code.Internal && e.rawMessage === "bad input" && bizStatusOf(e) === undefined);
  });

  it("runs oneway calls without a reply", async () => {
    const arrived = new Promise<void>((r) => (poked = r));
    await createClient(B, transport({ transport: "ttheader" })).poke({ tag: "t1" });
    await arrived;
    assert.equal(seen.tag, "t1");
  });

  it("refuses a compact TTHeader client, as Kitex would refuse its requests", () => {
    assert.throws(() => createThriftTransport({ target, transport: "ttheader", protocol: "compact" }), /binary only/);
  });
});

describe("Thrift server: idle connections", () => {
  it("closes a connection idle past idleTimeoutMs; the client reconnects on its next call", async () => {
    const router = new Router();
    router.service(B, { who: () => "beta" });
    const engine = new ThriftServerEngine(router, { idleTimeoutMs: 50, log: () => {} });
    let closed!: Promise<void>;
    const listener = createNetServer((s) => {
      closed = within(new Promise((r) => s.once("close", () => r())), "the connection's close");
      engine.handleConnection(s);
    });
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    const t = createThriftTransport({ target: `127.0.0.1:${(listener.address() as AddressInfo).port}`, maxConnections: 1 });
    try {
      const c = createClient(B, t);
      assert.equal(await c.who({}), "beta");
      assert.equal(engine.connectionCount, 1);
      await closed;
      assert.equal(engine.connectionCount, 0, "the idle connection was closed");
      assert.equal(await c.who({}), "beta");
    } finally {
      await t.close();
      await new Promise((r) => listener.close(r));
    }
  });
});

describe("Thrift server: streaming methods", () => {
  const S = parseThrift(`struct N { 1: i32 n }
service Tail { string last(1: i32 n), N tail(1: N req) (streaming.mode="server") }`, { fileName: "tail.thrift" })
    .service<{ last: UnaryMethod<{ n: number }, string>; tail: MethodDescriptor<{ n: number }, { n: number }, "server"> }>("Tail");

  it("answers a streaming method called over a Thrift message transport with UNKNOWN_METHOD, and the client refuses it", async () => {
    const router = new Router();
    let streamed = false;
    router.service(S, { last: ({ n }) => String(n), async *tail(req) { streamed = true; yield req; } });
    const engine = new ThriftServerEngine(router, { log: () => {} });
    const listener = createNetServer((s) => engine.handleConnection(s));
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    const port = (listener.address() as AddressInfo).port;
    const t = createThriftTransport({ target: `127.0.0.1:${port}`, maxConnections: 1 });
    try {
      const message = Buffer.concat([writeMessageHeader("binary", "tail", MessageType.Call, 5), Buffer.from("0c0001" + "08000100000003" + "00" + "00", "hex")]);
      const reply = await rawExchange(port, Buffer.concat([u32(message.length), message]));
      const h = readMessageHeader(reply.subarray(4))!;
      assert.deepEqual([h.name, h.type, h.seqId], ["tail", MessageType.Exception, 5]);
      const e = decodeAppException("binary", reply.subarray(4), h.bodyOffset);
      assert.equal(e.type, AppExceptionType.UnknownMethod);
      assert.match(e.message, /tail is a server-streaming method: call it over gRPC/);
      assert.equal(streamed, false, "the handler did not run");
      const client = createClient(S, t);
      await assert.rejects(async () => { for await (const _ of client.tail({ n: 1 })) { /* nothing */ } },
        (err: RpcError) => err.code === Code.Unimplemented && /streaming method/.test(err.rawMessage));
      assert.equal(await client.last({ n: 2 }), "2", "unary methods of the service still work");
    } finally {
      await t.close();
      await new Promise((r) => listener.close(r));
    }
  });
});

/** Send `bytes` on a new connection and resolve with the first framed unit that comes back. */
function rawExchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => s.write(bytes));
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => { s.destroy(); reject(new Error("no reply within 3 s")); }, 3000);
    s.on("data", (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readUInt32BE(0)) { clearTimeout(timer); s.destroy(); resolve(got); }
    });
    s.on("error", reject);
  });
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
