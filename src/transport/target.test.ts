import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../core/index.js";
import { parseTarget } from "./target.js";

const invalid = (pattern: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && pattern.test(e.rawMessage);

describe("parseTarget (every client transport)", () => {
  it("reads host:port, [v6]:port, :port, schemes and dns:///", () => {
    assert.deepEqual([parseTarget("10.0.0.1:9090").host, parseTarget("10.0.0.1:9090").port], ["10.0.0.1", 9090]);
    assert.deepEqual([parseTarget("[::1]:9090").host, parseTarget("[::1]:9090").port], ["::1", 9090]);
    assert.equal(parseTarget(":9090").authority, "127.0.0.1:9090");
    assert.equal(parseTarget("dns:///svc.local:9000").port, 9000);
    assert.equal(parseTarget("https://example.com").port, 443);
  });

  it("refuses what it cannot use with RpcError INVALID_ARGUMENT naming the target", () => {
    assert.throws(() => parseTarget("http://h:1/path"), invalid(/^target "http:\/\/h:1\/path" must not carry a path/));
    assert.throws(() => parseTarget("unix:"), invalid(/names no socket path/));
    assert.throws(() => parseTarget("h:99999"), invalid(/is not host:port/));
  });

  it("with requirePort (Thrift), refuses a target without a port or a unix socket", () => {
    assert.equal(parseTarget("h:9090", { requirePort: true }).port, 9090);
    assert.throws(() => parseTarget("h", { requirePort: true }), invalid(/^target "h" names no port/));
    assert.throws(() => parseTarget("https://h", { requirePort: true }), invalid(/names no port/));
    assert.throws(() => parseTarget("unix:/tmp/s.sock", { requirePort: true }), invalid(/must be host:port/));
  });
});
