import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../src/core/index.js";
import { createGenericClient, type ClientTransport } from "../../src/rpc/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { resolveGatewayOptions } from "../../src/gateway/options.js";
import { compileRoutes } from "../../src/gateway/routes.js";

/** Compiling routes only looks methods up: a transport that is never called. */
const nowhere: ClientTransport = { protocol: "none", target: "none", call: () => Promise.reject(new Error("not called")), close: async () => {} };
const client = createGenericClient([generationDescriptor()], nowhere);
const invalid = (message: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && message.test(e.rawMessage);

describe("gateway options", () => {
  it("deadlines by default: 60 s for JSON routes, 10 min for streams; resumable streams bounded", () => {
    const o = resolveGatewayOptions({ routes: [] });
    assert.equal(o.defaultTimeoutMs, 60_000);
    assert.equal(o.defaultStreamTimeoutMs, 600_000);
    assert.deepEqual({ ...o.resume }, { retentionMs: 60_000, graceMs: 10_000, maxEvents: 1024, maxBytes: 256 << 10, maxStreams: 256, maxStreamsPerClient: 16 });
  });

  it("routes take the deadline of their kind: json -> defaultTimeoutMs, sse and websocket -> defaultStreamTimeoutMs", () => {
    const o = resolveGatewayOptions({ routes: [], defaultTimeoutMs: 1000, defaultStreamTimeoutMs: 2000 });
    const routes = compileRoutes([
      { path: "/models", rpc: "Generation/ListModels" },
      { path: "/generate", rpc: "Generation/Generate" },
      { path: "/ws", rpc: "Generation/Generate", as: "websocket" },
      { path: "/own", rpc: "Generation/Generate", timeoutMs: 5 },
    ], client, o);
    assert.deepEqual(routes.map((r) => (r.kind === "rpc" ? r.timeoutMs : undefined)), [1000, 2000, 2000, 5]);
  });

  it("a bad value says which option and what to give, for the gateway's resume options and a route's", () => {
    assert.throws(() => resolveGatewayOptions({ routes: [], defaultStreamTimeoutMs: 0 }), invalid(/gateway option defaultStreamTimeoutMs must be a positive integer, got 0/));
    assert.throws(() => resolveGatewayOptions({ routes: [], resume: { graceMs: -1 } }), invalid(/gateway option resume\.graceMs must be a positive integer/));
    assert.throws(() => resolveGatewayOptions({ routes: [], resume: { maxStreamsPerClient: 1.5 } }), invalid(/resume\.maxStreamsPerClient/));
    const o = resolveGatewayOptions({ routes: [] });
    assert.throws(() => compileRoutes([{ path: "/g", rpc: "Generation/Generate", resumable: { graceMs: 0 } }], client, o), invalid(/route \/g: resumable\.graceMs must be a positive integer, got 0/));
  });
});
