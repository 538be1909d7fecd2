// A status message that quotes huge input reaches the client as itself, cut, rather than as a
// reset stream or a metadata error.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, RpcError, createClient } from "../../index.js";
import { healthDescriptor } from "../../rpc/health/index.js";
import { createGrpcTransport } from "./client-transport.js";
import { decodeGrpcMessage, MAX_STATUS_MESSAGE_BYTES, statusMessage } from "./status.js";
import { Echo, startEchoServer, type EchoServer } from "./server-fixture.js";

describe("grpc-message size", { timeout: 30_000 }, () => {
  let s: EchoServer;
  let transport: ReturnType<typeof createGrpcTransport>;
  before(async () => {
    s = await startEchoServer();
    transport = createGrpcTransport({ target: s.target });
  });
  after(async () => {
    await transport.close();
    await s.server.close({ graceMs: 0 });
  });

  it("cuts a long message to MAX_STATUS_MESSAGE_BYTES once encoded, ASCII or not, and leaves a short one alone", () => {
    assert.equal(statusMessage("short %"), "short %25");
    for (const text of ["a".repeat(1 << 20), "é".repeat(1 << 20), "\u{1F600}".repeat(1 << 19)]) {
      const encoded = statusMessage(text);
      assert.ok(encoded.length <= MAX_STATUS_MESSAGE_BYTES, `${encoded.length} bytes`);
      const decoded = decodeGrpcMessage(encoded);
      assert.ok(decoded.endsWith("…") && text.startsWith(decoded.slice(0, -1)), "a prefix of the message, marked as cut");
    }
  });

  it("a handler error with a 1 MiB message reaches the client with its code and the message cut", async () => {
    const echo = createClient(Echo, transport);
    const e = await echo.Unary({ status: Code.FailedPrecondition, message: "x".repeat(1 << 20) }).then(() => assert.fail("should fail"), (x: RpcError) => x);
    assert.equal(e.code, Code.FailedPrecondition, e.message);
    assert.ok(e.rawMessage.length < MAX_STATUS_MESSAGE_BYTES && e.rawMessage.endsWith("…"));
  });

  it("health Check of a service with a 100 KB name answers NOT_FOUND quoting 200 characters of it", async () => {
    const health = createClient(healthDescriptor(), transport);
    const e = await health.Check({ service: "s".repeat(100_000) }).then(() => assert.fail("should fail"), (x: RpcError) => x);
    assert.equal(e.code, Code.NotFound, e.message);
    assert.equal(e.rawMessage, `unknown service "${"s".repeat(200)}…"`);
  });
});
