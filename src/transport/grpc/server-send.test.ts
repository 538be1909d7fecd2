// The send side's bounds: a response the client does not take within sendTimeoutMs is reset
// (RST_STREAM CANCEL), and bytes written but not taken are bounded per connection and per server.
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import http2 from "node:http2";
import { describe, it } from "node:test";
import { Code, RpcError, type ServiceImpl } from "../../index.js";
import { createServer, type Server, type ServerOptions } from "./grpc-server.js";
import { Echo, frame, rawStatus, type EchoMethods } from "./server-fixture.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const UNARY = "/weir.test.server.Echo/Unary";
const STREAM = "/weir.test.server.Echo/ServerStream";

const impl: ServiceImpl<EchoMethods> = {
  Unary: (req) => ({ payload: Buffer.alloc(req.size ?? 0, 0x61) }),
  async *ServerStream(req) {
    for (let i = 0; i < (req.count ?? 1); i++) yield { payload: Buffer.alloc(req.size ?? 0, 0x62) };
  },
};

async function startServer(options: ServerOptions, service: Partial<ServiceImpl<EchoMethods>> = impl): Promise<{ server: Server; url: string }> {
  const server = createServer({ health: false, reflection: false, ...options }).service(Echo, service as ServiceImpl<EchoMethods>);
  const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
  return { server, url: `http://127.0.0.1:${port}` };
}

/** A client whose streams' flow-control windows stay shut: it never takes a byte of DATA. */
async function shutClient(url: string): Promise<http2.ClientHttp2Session> {
  const s = http2.connect(url, { settings: { initialWindowSize: 0 } });
  s.on("error", () => {});
  await onceWithin(s, "connect");
  return s;
}

interface Outcome { headers: http2.IncomingHttpHeaders; trailers?: http2.IncomingHttpHeaders; rstCode: number; ms: number; bytes: number }

/** One request; resolves when its stream closes, however. `onData` sees each chunk (and may pause). */
function call(session: http2.ClientHttp2Session, path: string, req: object, onData?: (req: http2.ClientHttp2Stream, chunk: Buffer) => void): Promise<Outcome> {
  return start(session, path, req, onData).closed;
}

/** A request, and when its response headers arrived (HEADERS are not flow-controlled) and it closed. */
function start(session: http2.ClientHttp2Session, path: string, req: object, onData?: (req: http2.ClientHttp2Stream, chunk: Buffer) => void) {
  const t0 = performance.now();
  const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
  const out: Outcome = { headers: {}, rstCode: 0, ms: 0, bytes: 0 };
  stream.on("error", () => {});
  stream.on("response", (h) => (out.headers = h));
  stream.on("trailers", (t) => (out.trailers = t));
  stream.on("data", (c: Buffer) => {
    out.bytes += c.length;
    onData?.(stream, c);
  });
  stream.end(frame(Echo.methods.Unary.input.encode(req)));
  const closed = onceWithin(stream, "close").then(() => Object.assign(out, { rstCode: stream.rstCode ?? 0, ms: performance.now() - t0 }));
  return { responded: onceWithin(stream, "response").then(() => undefined), closed };
}

/** "held" if the call is still open after `ms` (its response waits for the client), else its outcome. */
function heldFor(closed: Promise<Outcome>, ms: number): Promise<Outcome | "held"> {
  return Promise.race([closed, new Promise<"held">((resolve) => setTimeout(resolve, ms, "held"))]);
}

function status(o: Outcome): { code: number; message: string } {
  return rawStatus({ headers: o.headers, trailers: o.trailers, body: Buffer.alloc(0), rstCode: o.rstCode });
}

/** Collects what is published on weir:transport:error while `fn` runs. */
async function published<T>(fn: () => Promise<T>): Promise<{ result: T; events: { protocol?: string; error?: unknown }[] }> {
  const events: { protocol?: string; error?: unknown }[] = [];
  const on = (m: unknown) => events.push(m as { protocol?: string; error?: unknown });
  subscribe("weir:transport:error", on);
  try {
    return { result: await fn(), events };
  } finally {
    unsubscribe("weir:transport:error", on);
  }
}

describe("send timeout", { timeout: 30_000 }, () => {
  it("a unary response the client never takes is reset with RST_STREAM CANCEL after sendTimeoutMs, and said why", async () => {
    const { server, url } = await startServer({ sendTimeoutMs: 300 });
    const session = await shutClient(url);
    try {
      const { result: o, events } = await published(() => call(session, UNARY, { size: 100_000 }));
      assert.equal(o.rstCode, http2.constants.NGHTTP2_CANCEL);
      assert.equal(o.bytes, 0);
      assert.ok(o.ms >= 250 && o.ms < 3000, `reset after ${o.ms} ms`);
      const e = events.find((x) => x.protocol === "grpc")?.error;
      assert.ok(e instanceof RpcError, "published on weir:transport:error");
      assert.equal(e.code, Code.DeadlineExceeded);
      assert.match(e.rawMessage, /send timeout: the client took no response bytes for 300 ms .*Unary/);
    } finally {
      session.destroy();
      await server.close({ graceMs: 0 });
    }
  });

  it("a server stream blocked on a client that takes nothing is reset, and the handler's signal says why", async () => {
    let reason: unknown;
    const { server, url } = await startServer({ sendTimeoutMs: 300 }, {
      async *ServerStream(_req, ctx) {
        ctx.signal.addEventListener("abort", () => (reason = ctx.signal.reason));
        for (;;) yield { payload: Buffer.alloc(20_000) };
      },
    });
    const session = await shutClient(url);
    try {
      const o = await call(session, STREAM, {});
      assert.equal(o.rstCode, http2.constants.NGHTTP2_CANCEL);
      assert.ok(reason instanceof RpcError && reason.code === Code.DeadlineExceeded, String(reason));
      assert.match(reason.rawMessage, /send timeout/);
    } finally {
      session.destroy();
      await server.close({ graceMs: 0 });
    }
  });

  it("a slow reader that keeps taking bytes is not reset, however long the response takes", async () => {
    const { server, url } = await startServer({ sendTimeoutMs: 300 });
    const session = http2.connect(url);
    session.on("error", () => {});
    try {
      const slow = (s: http2.ClientHttp2Stream) => {
        s.pause();
        setTimeout(() => s.resume(), 25);
      };
      const [u, st] = await Promise.all([
        call(session, UNARY, { size: 400_000 }, slow),
        call(session, STREAM, { count: 40, size: 30_000 }, slow),
      ]);
      for (const o of [u, st]) {
        assert.equal(status(o).code, Code.Ok, `status ${JSON.stringify(status(o))}, rst ${o.rstCode}`);
        assert.ok(o.ms > 600, `took ${o.ms} ms: slower than the send timeout`);
      }
    } finally {
      session.destroy();
      await server.close({ graceMs: 0 });
    }
  });
});

describe("send buffer bounds", { timeout: 30_000 }, () => {
  it("per connection: a response that would go over maxConnectionSendBufferBytes is RESOURCE_EXHAUSTED", async () => {
    const { server, url } = await startServer({ maxConnectionSendBufferBytes: 1 << 20 });
    const session = await shutClient(url);
    const other = await shutClient(url);
    try {
      await start(session, UNARY, { size: 600_000 }).responded;
      const over = await call(session, UNARY, { size: 600_000 });
      assert.equal(status(over).code, Code.ResourceExhausted);
      assert.match(status(over).message, /response of 600\d+ bytes not sent: 600\d+ bytes of responses on this connection wait for the client to take them \(limit 1048576\)/);
      const stream = await call(session, STREAM, { count: 2, size: 600_000 });
      assert.equal(status(stream).code, Code.ResourceExhausted, "server streams count too");
      // Held, not refused (within 200 ms, a refusal would have arrived): small responses are not counted,
      // and another connection has a budget of its own.
      assert.equal(await heldFor(call(session, UNARY, { size: 10_000 }), 200), "held");
      assert.equal(await heldFor(call(other, UNARY, { size: 600_000 }), 200), "held");
    } finally {
      session.destroy();
      other.destroy();
      await server.close({ graceMs: 0 });
    }
  });

  it("per server: responses held on every connection together stay under maxSendBufferBytes", async () => {
    const { server, url } = await startServer({ maxSendBufferBytes: 1 << 20 });
    const a = await shutClient(url);
    const b = await shutClient(url);
    try {
      await start(a, UNARY, { size: 600_000 }).responded;
      const over = await call(b, UNARY, { size: 600_000 });
      assert.equal(status(over).code, Code.ResourceExhausted);
      assert.match(status(over).message, /bytes of responses on this server wait for clients to take them \(limit 1048576\)/);
    } finally {
      a.destroy();
      b.destroy();
      await server.close({ graceMs: 0 });
    }
  });

  it("rejects bad values with a message saying what to pass", () => {
    assert.throws(() => createServer({ sendTimeoutMs: 0 }), /sendTimeoutMs must be a positive number of ms/);
    assert.throws(() => createServer({ maxConnectionSendBufferBytes: 100 }), /maxConnectionSendBufferBytes must be an integer from 65536/);
  });
});
