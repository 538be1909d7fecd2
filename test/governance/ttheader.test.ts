// Governance over Kitex TTHeader: the RPC timeout travels as the RPC-timeout int key, the retry
// mark as a string key, and a retried request is not retried again downstream (chain stop).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, RpcError, createClient, type ServerCallContext, type UnaryMethod } from "../../src/index.js";
import { parseThrift } from "../../src/codec/thrift/service.js";
import { listenAllProtocols, type MultiProtocolServer } from "../../src/transport/detection/serve.js";
import { createServer } from "../../src/transport/grpc/grpc-server.js";
import { createTTHeaderTransport } from "../../src/transport/thrift/index.js";
import { retry, timeout } from "../../src/governance/index.js";

type Methods = { remaining: UnaryMethod<{ fail: string }, string> };
const Timing = parseThrift(`service Timing { string remaining(1: string fail) (idempotent = "true") }`).service<Methods>("Timing");

describe("governance over TTHeader", () => {
  let server: MultiProtocolServer;
  let calls = 0;
  before(async () => {
    const s = createServer({ health: false, reflection: false }).service(Timing, {
      remaining: async (req, ctx: ServerCallContext) => {
        calls++;
        const mark = ctx.requestMetadata.getString("rpc-persist-retryreq");
        if ((req.fail === "first" && mark === undefined) || req.fail === "always") throw new RpcError(Code.Unavailable, "told to fail");
        return `${Math.round(ctx.timeRemaining() ?? -1)}|${mark ?? ""}`;
      },
    });
    server = await listenAllProtocols(s, { port: 0, host: "127.0.0.1" });
  });
  after(async () => server?.close({ graceMs: 0 }));

  it("sends the per-call RPC timeout, minus nothing yet spent, as the RPC-timeout key", async () => {
    const t = createTTHeaderTransport({ target: `127.0.0.1:${server.address.port}` });
    try {
      const c = createClient(Timing, t, { middleware: [timeout({ timeoutMs: 800 })] });
      const [ms] = (await c.remaining({ fail: "never" })).split("|");
      // what is left of 800 ms after the trip (how much the trip took depends on the machine's load)
      assert.ok(Number(ms) > 0 && Number(ms) <= 800, `server saw ${ms}ms`);
    } finally {
      await t.close();
    }
  });

  it("retries with the retry mark as a TTHeader string key, and chain stop holds", async () => {
    const t = createTTHeaderTransport({ target: `127.0.0.1:${server.address.port}` });
    try {
      // a Thrift error reaches the client as a TApplicationException (INTERNAL), so retry on that
      const c = createClient(Timing, t, { middleware: [retry({ policy: { type: "failure", retryOn: [Code.Internal] } })] });
      assert.equal((await c.remaining({ fail: "first" })).split("|")[1], "1");
      calls = 0;
      await assert.rejects(c.remaining({ fail: "always" }));
      assert.equal(calls, 3, "two retries");
      calls = 0;
      await assert.rejects(c.remaining({ fail: "always" }, { metadata: { rpc_persist_retryreq: "1" } }));
      assert.equal(calls, 1, "a call marked as a retry (Kitex spelling) is not retried");
    } finally {
      await t.close();
    }
  });
});
