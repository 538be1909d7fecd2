import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../core/index.js";
import { parseProto } from "../codec/protobuf/index.js";
import type { BidiStreamMethod, ClientStreamMethod, ServerStreamMethod, UnaryMethod } from "../idl/descriptor.js";
import { createClient } from "./client.js";
import type { CallContext } from "./context.js";
import { createInProcessTransport } from "./in-process.js";
import type { Middleware } from "./middleware.js";
import { Router } from "./router.js";

type M = { text: string };
type Methods = {
  Unary: UnaryMethod<M, M>;
  Server: ServerStreamMethod<M, M>;
  Client: ClientStreamMethod<M, M>;
  Bidi: BidiStreamMethod<M, M>;
  Missing: UnaryMethod<M, M>;
};
const Svc = parseProto(`syntax = "proto3"; package t; message M { string text = 1; }
service S { rpc Unary(M) returns (M); rpc Server(M) returns (stream M); rpc Client(stream M) returns (M);
rpc Bidi(stream M) returns (stream M); rpc Missing(M) returns (M); }`).service<Methods>("t.S");

function trace(log: string[], name: string): Middleware<CallContext> {
  return (next) => async (call) => {
    log.push(`${call.ctx.side}:${name}:in`);
    try { return await next(call); } finally { log.push(`${call.ctx.side}:${name}:out`); }
  };
}

function setup(log: string[] = []) {
  const router = new Router({ middleware: [trace(log, "outer"), trace(log, "inner")] });
  router.service(Svc, {
    Unary: (req, ctx) => {
      ctx.responseHeaders.set("x-h", "1");
      ctx.responseTrailers.set("x-t", ctx.requestMetadata.getString("x-in") ?? "none");
      if (req.text === "fail") throw new RpcError(Code.FailedPrecondition, "told to fail");
      if (req.text === "crash") throw new Error("plain");
      return { text: req.text.toUpperCase() };
    },
    async *Server(req, ctx) {
      for (let i = 0; i < 3 && !ctx.signal.aborted; i++) yield { text: `${req.text}${i}` };
    },
    async Client(reqs) {
      let all = "";
      for await (const r of reqs) all += r.text;
      return { text: all };
    },
    async *Bidi(reqs) {
      for await (const r of reqs) yield { text: `<${r.text}>` };
    },
  });
  return createClient(Svc, createInProcessTransport(router), { middleware: [trace(log, "client")] });
}

describe("router and client", () => {
  it("runs all four call kinds", async () => {
    const c = setup();
    assert.equal((await c.Unary({ text: "a" })).text, "A");
    const got: string[] = [];
    for await (const m of c.Server({ text: "s" })) got.push(m.text);
    assert.deepEqual(got, ["s0", "s1", "s2"]);
    assert.equal((await c.Client([{ text: "x" }, { text: "y" }])).text, "xy");
    const bidi: string[] = [];
    for await (const m of c.Bidi([{ text: "1" }, { text: "2" }])) bidi.push(m.text);
    assert.deepEqual(bidi, ["<1>", "<2>"]);
  });

  it("applies middleware outermost first, client then server", async () => {
    const log: string[] = [];
    await setup(log).Unary({ text: "a" });
    assert.deepEqual(log, [
      "client:client:in", "server:outer:in", "server:inner:in", "server:inner:out", "server:outer:out", "client:client:out",
    ]);
  });

  it("answers UNIMPLEMENTED for a method without a handler", async () => {
    await assert.rejects(setup().Missing({ text: "a" }), (e: RpcError) => e.code === Code.Unimplemented);
  });

  it("carries errors, metadata, headers and trailers", async () => {
    const c = setup();
    let trailer = "";
    let header = "";
    await c.Unary({ text: "a" }, {
      metadata: { "x-in": "hello" },
      onHeader: (h) => (header = h.getString("x-h") ?? ""),
      onTrailer: (t) => (trailer = t.getString("x-t") ?? ""),
    });
    assert.equal(header, "1");
    assert.equal(trailer, "hello");
    await assert.rejects(c.Unary({ text: "fail" }), (e: RpcError) => e.code === Code.FailedPrecondition && e.rawMessage === "told to fail");
    await assert.rejects(c.Unary({ text: "crash" }), (e: RpcError) => e.code === Code.Unknown);
  });

  it("turns a caller's abort into CANCELLED", async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(setup().Unary({ text: "a" }, { signal: ac.signal }), (e: RpcError) => e.code === Code.Canceled);
  });

  it("refuses a service registered twice", () => {
    const router = new Router();
    router.service(Svc, {});
    assert.throws(() => router.service(Svc, {}), (e: RpcError) => e.code === Code.AlreadyExists);
  });
});
