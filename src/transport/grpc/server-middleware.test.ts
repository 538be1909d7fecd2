// Server middleware on the gRPC server: order, what it sees, wrapping streams, failing calls.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Code, RpcError, type Middleware, type ServerCallContext } from "../../index.js";
import { createServer, type Server } from "./grpc-server.js";
import { Echo, collect, echoClient, unaryCall } from "./server-fixture.js";

describe("server middleware", { timeout: 10_000 }, () => {
  const seen: string[] = [];
  let server: Server;
  let client: any;

  const tag = (name: string): Middleware<ServerCallContext> => (next) => async (call) => {
    seen.push(`${name}>${call.method.name}`);
    const result = await next(call);
    seen.push(`${name}<${call.method.name}`);
    return result;
  };
  const guard: Middleware<ServerCallContext> = (next) => (call) => {
    if (call.ctx.requestMetadata.get("x-deny") !== undefined) throw new RpcError(Code.PermissionDenied, "denied by middleware");
    call.ctx.responseHeaders.set("x-peer-seen", call.ctx.peer.startsWith("127.0.0.1:") ? "yes" : call.ctx.peer);
    return next(call);
  };
  const upper: Middleware<ServerCallContext> = (next) => async (call) => {
    const result = await next(call);
    if (call.method.kind !== "server") return result;
    return (async function* () {
      for await (const m of result as AsyncIterable<{ text: string }>) yield { ...m, text: m.text.toUpperCase() };
    })();
  };

  before(async () => {
    server = createServer({ middleware: [tag("outer"), guard], health: false, reflection: false }).service(Echo, {
      Unary: (req) => ({ text: req.text ?? "" }),
      async *ServerStream(req) {
        yield { text: `${req.text}-1` };
        yield { text: `${req.text}-2` };
      },
    }, { middleware: [tag("service"), upper] });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    client = echoClient(`127.0.0.1:${port}`);
  });
  after(async () => {
    client.close();
    await server.close({ graceMs: 0 });
  });

  it("runs the server's middleware outside the service's, around the handler", async () => {
    seen.length = 0;
    const r = await unaryCall((cb) => client.Unary({ text: "x" }, cb));
    assert.equal(r.value.text, "x");
    assert.deepEqual(seen, ["outer>Unary", "service>Unary", "service<Unary", "outer<Unary"]);
    assert.deepEqual(r.headers.get("x-peer-seen"), ["yes"], "ctx.peer is the client's address; headers set in middleware are sent");
  });

  it("lets middleware wrap a response stream", async () => {
    const replies = await collect<{ text: string }>(client.ServerStream({ text: "ab" }));
    assert.deepEqual(replies.map((m) => m.text), ["AB-1", "AB-2"]);
  });

  it("sends what middleware throws as the status", async () => {
    const md = new grpc.Metadata();
    md.set("x-deny", "1");
    const err = await unaryCall((cb) => client.Unary({ text: "x" }, md, cb)).then(() => undefined, (e) => e);
    assert.equal(err.code, grpc.status.PERMISSION_DENIED);
    assert.equal(err.details, "denied by middleware");
  });
});
