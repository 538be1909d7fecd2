/**
 * The shared server-call lifecycle publishes `weir:rpc:server-call-start`, `-end` and `-error`
 * for every protocol, and the client publishes `weir:rpc:client-call-*`: a subscriber sees one
 * start and one end per call over gRPC, framed Thrift and TTHeader, and an error for a failed call.
 */
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { after, before, describe, it } from "node:test";
import { Code, createClient, type CallContext, type RpcError } from "../../../src/index.js";
import type { MultiProtocolServer } from "../../../src/transport/detection/serve.js";
import { echoTransport, type EchoTransportName } from "../../../examples/thrift-echo/client.js";
import { startEchoServer } from "../../../examples/thrift-echo/server.js";
import { Echo } from "../../../examples/thrift-echo/service.js";

interface Seen { readonly channel: string; readonly side: string; readonly protocol: string; readonly method: string; readonly code?: Code }

const CHANNELS = [
  "weir:rpc:server-call-start", "weir:rpc:server-call-end", "weir:rpc:server-call-error",
  "weir:rpc:client-call-start", "weir:rpc:client-call-end", "weir:rpc:client-call-error",
] as const;

describe("weir:rpc:* diagnostics channels", () => {
  const seen: Seen[] = [];
  const listeners = new Map<string, (m: unknown, name: string | symbol) => void>();
  let server: MultiProtocolServer;

  before(async () => {
    for (const name of CHANNELS) {
      const listener = (m: unknown) => {
        const { ctx, error } = m as { ctx: CallContext; error?: RpcError };
        seen.push({ channel: name, side: ctx.side, protocol: ctx.protocol, method: ctx.method.name, ...(error ? { code: error.code } : {}) });
      };
      listeners.set(name, listener);
      subscribe(name, listener);
    }
    server = await startEchoServer({ log: () => {} });
  });

  after(async () => {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
    await server?.close({ graceMs: 100 });
  });

  for (const name of ["grpc", "framed-binary", "ttheader"] as EchoTransportName[]) {
    it(`${name}: one start and one end per call on both sides, and an error for a failed call`, async () => {
      const transport = echoTransport(name, `127.0.0.1:${server.address.port}`);
      try {
        const client = createClient(Echo, transport);
        seen.length = 0;
        assert.equal(await client.ping({ msg: "hi" }), "hi");
        await assert.rejects(client.boom({}), (e: RpcError) => e.code !== Code.Ok);
        const server = seen.filter((s) => s.side === "server");
        const protocol = server[0]?.protocol ?? "";
        assert.deepEqual(server.map((s) => `${s.channel} ${s.method}${s.code !== undefined ? " error" : ""}`), [
          "weir:rpc:server-call-start ping",
          "weir:rpc:server-call-end ping",
          "weir:rpc:server-call-start boom",
          "weir:rpc:server-call-error boom error",
          "weir:rpc:server-call-end boom error",
        ]);
        assert.ok(server.every((s) => s.protocol === protocol), `one protocol: ${protocol}`);
        assert.match(protocol, name === "grpc" ? /^grpc/ : name === "ttheader" ? /^ttheader$/ : /^thrift-framed/);
        const client_ = seen.filter((s) => s.side === "client").map((s) => `${s.channel} ${s.method}`);
        assert.deepEqual(client_, [
          "weir:rpc:client-call-start ping", "weir:rpc:client-call-end ping",
          "weir:rpc:client-call-start boom", "weir:rpc:client-call-error boom", "weir:rpc:client-call-end boom",
        ]);
      } finally {
        await transport.close();
      }
    });
  }
});
