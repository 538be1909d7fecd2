// The gRPC server against a real peer: @grpc/grpc-js as the client.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Code, RpcError } from "../../index.js";
import { createServer } from "./grpc-server.js";
import { Echo, collect, echoClient, frame, nextEvent, rawRequest, rawSession, rawStatus, startEchoServer, unaryCall, type EchoServer } from "./server-fixture.js";
import { within } from "../../../test/helpers/wait.js";

describe("gRPC server with a grpc-js client", { timeout: 20_000 }, () => {
  let s: EchoServer;
  let client: any;
  before(async () => {
    s = await startEchoServer();
    client = echoClient(s.target);
  });
  after(async () => {
    client.close();
    await s.server.close({ graceMs: 0 });
  });

  it("serves unary calls", async () => {
    const r = await unaryCall((cb) => client.Unary({ text: "héllo", payload: Buffer.from([0, 1, 255]) }, cb));
    assert.equal(r.value.text, "héllo");
    assert.deepEqual([...r.value.payload!], [0, 1, 255]);
    assert.equal(r.status.code, grpc.status.OK);
    assert.equal(r.headers.get("content-type")[0], "application/grpc");
  });

  it("serves server-streaming calls", async () => {
    const replies = await collect(client.ServerStream({ text: "s", count: 50 }));
    assert.equal(replies.length, 50);
    assert.deepEqual(replies.map((r) => r.index ?? 0), [...Array(50).keys()]);
  });

  it("serves an empty server stream with a trailers-only OK", async () => {
    const replies = await collect(client.ServerStream({ count: 0 }));
    assert.deepEqual(replies, []);
  });

  it("serves client-streaming calls", async () => {
    const p = unaryCall((cb) => client.ClientStream(cb));
    const writer = p.call as grpc.ClientWritableStream<unknown>;
    for (const t of ["a", "b", "c"]) writer.write({ text: t });
    writer.end();
    const r = await p;
    assert.equal(r.value.text, "a,b,c");
    assert.equal(r.value.index, 3);
  });

  it("serves bidi calls message by message", async () => {
    const call = client.Bidi();
    const it = (call as AsyncIterable<{ text: string; index: number }>)[Symbol.asyncIterator]();
    for (let i = 0; i < 5; i++) {
      call.write({ text: `m${i}` });
      const r = await it.next();
      assert.equal(r.value.text, `m${i}`);
      assert.equal(r.value.index, i);
    }
    call.end();
    assert.equal((await it.next()).done, true);
  });

  it("echoes metadata, -bin keys included, as headers and trailers", async () => {
    const md = new grpc.Metadata();
    md.set("x-echo-plain", "value 1");
    md.add("x-echo-plain", "value 2");
    md.set("x-echo-data-bin", Buffer.from([0, 1, 2, 250, 255]));
    md.set("x-trailer-t", "tail");
    md.set("x-trailer-t-bin", Buffer.from([9, 8, 7]));
    const r = await unaryCall((cb) => client.Unary({ text: "md" }, md, cb));
    // grpc-js joins repeated values into one field ("a, b"), which HTTP treats as the same thing
    assert.equal(r.headers.get("x-echo-plain").join(", "), "value 1, value 2");
    assert.deepEqual([...(r.headers.get("x-echo-data-bin")[0] as Buffer)], [0, 1, 2, 250, 255]);
    assert.deepEqual(r.status.metadata.get("x-trailer-t"), ["tail"]);
    assert.deepEqual([...(r.status.metadata.get("x-trailer-t-bin")[0] as Buffer)], [9, 8, 7]);
  });

  it("sends an RpcError's code, percent-encoded unicode message and metadata", async () => {
    const message = "nicht gefunden: ✓ 100% \n 日本";
    const err = await unaryCall((cb) => client.Unary({ status: Code.NotFound, message }, cb)).then(() => undefined, (e) => e);
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.equal(err.details, message);
    assert.deepEqual(err.metadata.get("x-error-detail"), ["from-handler"]);
  });

  it("turns an error thrown after some stream messages into the status", async () => {
    const call = client.ServerStream({ count: 3, status: Code.Aborted, message: "stopped" });
    const got: unknown[] = [];
    const err = await (async () => {
      for await (const m of call) got.push(m);
    })().then(() => undefined, (e) => e);
    assert.equal(got.length, 3);
    assert.equal(err.code, grpc.status.ABORTED);
    assert.equal(err.details, "stopped");
  });

  it("answers UNKNOWN with the message for errors that are not RpcError", async () => {
    const err = await unaryCall((cb) => client.Unary({ text: "throw-type-error" }, cb)).then(() => undefined, (e) => e);
    assert.equal(err.code, grpc.status.UNKNOWN);
    assert.equal(err.details, "boom");
  });

  it("turns grpc-timeout into the deadline: the handler's signal aborts, the client gets DEADLINE_EXCEEDED", async () => {
    const started = nextEvent(s.probe, "started", "Unary");
    const aborted = nextEvent(s.probe, "aborted", "Unary");
    const call = unaryCall((cb) => client.Unary({ delay_ms: 10_000 }, { deadline: Date.now() + 300 }, cb));
    const [ctx] = (await started) as [{ deadline: number; timeRemaining(): number }];
    assert.ok(ctx.deadline > Date.now() && ctx.deadline <= Date.now() + 400, "ctx.deadline comes from grpc-timeout");
    const err = await call.then(() => undefined, (e) => e);
    assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
    // grpc-js resets the stream at the same instant: the handler learns of the deadline or of the reset
    const [reason] = (await aborted) as [RpcError];
    assert.ok(reason.code === Code.DeadlineExceeded || reason.code === Code.Canceled, `reason ${reason.message}`);
  });

  it("ends the call with DEADLINE_EXCEEDED by itself when the client keeps waiting", async () => {
    const aborted = nextEvent(s.probe, "aborted", "Unary");
    const session = await rawSession(s.port);
    try {
      const body = frame(Echo.methods.Unary.input.encode({ delay_ms: 10_000 }));
      const t0 = Date.now();
      const r = await rawRequest(session, "/weir.test.server.Echo/Unary", body, { headers: { "grpc-timeout": "200m" } });
      assert.equal(rawStatus(r).code, Code.DeadlineExceeded);
      assert.ok(Date.now() - t0 >= 190, "not before the deadline");
      const [reason] = (await aborted) as [RpcError];
      assert.equal(reason.code, Code.DeadlineExceeded);
    } finally {
      session.close();
    }
  });

  it("a deadline past a timer's range (99999999H) is kept, and the call answers OK without a timer warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    const session = await rawSession(s.port);
    try {
      const body = frame(Echo.methods.Unary.input.encode({ text: "far" }));
      const started = nextEvent(s.probe, "started", "Unary");
      const r = await rawRequest(session, "/weir.test.server.Echo/Unary", body, { headers: { "grpc-timeout": "99999999H" } });
      assert.equal(rawStatus(r).code, Code.Ok);
      const [ctx] = (await started) as [{ deadline: number }];
      assert.ok(ctx.deadline > Date.now() + 1e12, "the deadline is about 11,000 years away");
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings.map((w) => w.name), []);
    } finally {
      process.off("warning", onWarning);
      session.close();
    }
  });

  it("aborts the handler's signal with CANCELLED when the client cancels a unary call", async () => {
    const started = nextEvent(s.probe, "started", "Unary");
    const aborted = nextEvent(s.probe, "aborted", "Unary");
    const call = unaryCall((cb) => client.Unary({ delay_ms: 10_000 }, cb));
    await started;
    call.call.cancel();
    const err = await call.then(() => undefined, (e) => e);
    assert.equal(err.code, grpc.status.CANCELLED);
    const [reason] = (await aborted) as [RpcError];
    assert.equal(reason.code, Code.Canceled);
  });

  it("ends a bidi handler's request iteration with CANCELLED when the client cancels", async () => {
    const started = nextEvent(s.probe, "started", "Bidi");
    const aborted = nextEvent(s.probe, "aborted", "Bidi");
    const call = client.Bidi();
    call.on("error", () => {});
    call.write({ text: "one" });
    await started;
    await within(new Promise((resolve) => call.once("data", resolve)), "the first message");
    call.cancel();
    const [reason] = (await aborted) as [RpcError];
    assert.equal(reason.code, Code.Canceled);
  });

  it("ends a server stream when the client cancels, closing the handler's generator", async () => {
    const started = nextEvent(s.probe, "started", "ServerStream");
    const aborted = nextEvent(s.probe, "aborted", "ServerStream");
    const call = client.ServerStream({ count: 1000, delay_ms: 20 });
    call.on("error", () => {});
    await started;
    await within(new Promise((resolve) => call.once("data", resolve)), "the first message");
    call.cancel();
    const [reason] = (await aborted) as [RpcError];
    assert.equal(reason.code, Code.Canceled);
  });

  it("still serves after all of the above", async () => {
    const r = await unaryCall((cb) => client.Unary({ text: "still here" }, cb));
    assert.equal(r.value.text, "still here");
  });
});

describe("a response complete before the request", { timeout: 10_000 }, () => {
  it("sends the status, then asks the client to stop sending (RST_STREAM NO_ERROR)", async () => {
    const server = createServer({ health: false, reflection: false }).service(Echo, {
      async ClientStream(requests) {
        for await (const r of requests) return { text: `first: ${r.text}` };
        return { text: "none" };
      },
    });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    const session = await rawSession(port);
    try {
      const r = await rawRequest(session, "/weir.test.server.Echo/ClientStream", frame(Echo.methods.Unary.input.encode({ text: "a" })), { keepOpen: true });
      assert.equal(rawStatus(r).code, Code.Ok);
      assert.equal(Echo.methods.Unary.output.decode(r.body.subarray(5)).text, "first: a");
      assert.equal(r.rstCode, http2.constants.NGHTTP2_NO_ERROR, "the open request stream was closed by the server");
      assert.equal(server.engine.activeCalls, 0);
    } finally {
      session.close();
      await server.close({ graceMs: 0 });
    }
  });
});

describe("response metadata that HTTP/2 refuses", { timeout: 10_000 }, () => {
  it("resets the stream (the client sees INTERNAL) and keeps serving", async () => {
    const server = createServer({ health: false, reflection: false }).service(Echo, {
      Unary: (req, ctx) => {
        if (req.text === "bad-header") ctx.responseHeaders.set("keep-alive", "1"); // connection-specific: Node refuses it
        if (req.text === "bad-trailer") ctx.responseTrailers.set("transfer-encoding", "chunked");
        return { text: req.text ?? "" };
      },
      async *ServerStream(req, ctx) {
        ctx.responseHeaders.set("upgrade", "h2c");
        yield { text: req.text ?? "" };
      },
    });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    const client = echoClient(`127.0.0.1:${port}`);
    try {
      for (const text of ["bad-header", "bad-trailer"]) {
        const err = await unaryCall((cb) => client.Unary({ text }, cb)).then(() => undefined, (e) => e);
        assert.equal(err?.code, grpc.status.INTERNAL, text);
      }
      const streamErr = await collect(client.ServerStream({ text: "s" })).then(() => undefined, (e) => e);
      assert.equal(streamErr?.code, grpc.status.INTERNAL);
      const ok = await unaryCall((cb) => client.Unary({ text: "fine" }, cb));
      assert.equal(ok.value.text, "fine");
      assert.equal(server.engine.activeCalls, 0);
    } finally {
      client.close();
      await server.close({ graceMs: 0 });
    }
  });
});
