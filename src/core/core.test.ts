import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, codeFromHttpStatus, codeFromWire, codeName, createCallScope, httpStatusOf, Metadata, parseCode, resolveLimits, RpcError } from "./index.js";

describe("Code", () => {
  it("names every code as gRPC spells it", () => {
    assert.equal(codeName(Code.Canceled), "CANCELLED");
    assert.equal(codeName(Code.DeadlineExceeded), "DEADLINE_EXCEEDED");
    assert.equal(codeName(Code.Unauthenticated), "UNAUTHENTICATED");
    assert.equal(codeName(99 as Code), "CODE_99");
  });
  it("parses names and numbers, rejects the rest", () => {
    assert.equal(parseCode("not_found"), Code.NotFound);
    assert.equal(parseCode("14"), Code.Unavailable);
    assert.equal(parseCode(16), Code.Unauthenticated);
    assert.equal(parseCode("17"), undefined);
    assert.equal(parseCode(""), undefined);
    assert.equal(parseCode("bogus"), undefined);
  });
  it("maps out-of-range wire codes to UNKNOWN", () => {
    assert.equal(codeFromWire(5), Code.NotFound);
    assert.equal(codeFromWire(17), Code.Unknown);
    assert.equal(codeFromWire(-1), Code.Unknown);
  });
  it("maps to and from HTTP status", () => {
    assert.equal(httpStatusOf(Code.ResourceExhausted), 429);
    assert.equal(httpStatusOf(Code.Unauthenticated), 401);
    assert.equal(httpStatusOf(Code.Internal), 500);
    assert.equal(codeFromHttpStatus(503), Code.Unavailable);
    assert.equal(codeFromHttpStatus(404), Code.Unimplemented);
    assert.equal(codeFromHttpStatus(418), Code.Unknown);
  });
});

describe("RpcError", () => {
  it("prefixes the code name and keeps the raw message", () => {
    const e = new RpcError(Code.NotFound, "no such model", { metadata: { "x-a": "1" } });
    assert.equal(e.message, "[NOT_FOUND] no such model");
    assert.equal(e.rawMessage, "no such model");
    assert.equal(e.metadata.get("x-a"), "1");
  });
  it("wraps anything thrown, keeping the cause", () => {
    const cause = new Error("boom");
    const e = RpcError.from(cause, Code.Internal);
    assert.equal(e.code, Code.Internal);
    assert.equal(e.cause, cause);
    assert.equal(RpcError.from(e), e);
    assert.equal(RpcError.from(new DOMException("x", "AbortError")).code, Code.Canceled);
    assert.equal(RpcError.from(new DOMException("x", "TimeoutError")).code, Code.DeadlineExceeded);
    assert.equal(RpcError.from("text").rawMessage, "text");
  });
});

describe("Metadata", () => {
  it("lower-cases keys and keeps several values", () => {
    const md = new Metadata({ "X-Trace": "a" });
    md.append("x-trace", "b");
    assert.deepEqual(md.getAll("x-trace"), ["a", "b"]);
    assert.equal(md.get("X-TRACE"), "a");
    assert.deepEqual([...md], [["x-trace", "a"], ["x-trace", "b"]]);
  });
  it("takes bytes only under -bin keys", () => {
    const md = new Metadata();
    md.set("blob-bin", new Uint8Array([1, 2]));
    assert.deepEqual(md.get("blob-bin"), new Uint8Array([1, 2]));
    assert.throws(() => md.set("blob-bin", "text"), TypeError);
    assert.throws(() => md.set("plain", new Uint8Array([1])), TypeError);
    assert.throws(() => md.set("bad key", "v"), TypeError);
    assert.throws(() => md.set("k", "line\nbreak"), TypeError);
  });
  it("copies, merges and measures", () => {
    const a = new Metadata({ k: ["1", "2"] });
    const b = new Metadata(a).merge(new Metadata({ k: "3", z: "9" }));
    assert.deepEqual(a.getAll("k"), ["1", "2"]);
    assert.deepEqual(b.getAll("k"), ["1", "2", "3"]);
    assert.ok(b.byteSize() > 0);
    assert.deepEqual(b.toJSON(), { k: ["1", "2", "3"], z: "9" });
  });
});

describe("createCallScope", () => {
  it("aborts with DEADLINE_EXCEEDED when the timeout passes", async () => {
    const scope = createCallScope({ timeoutMs: 5 });
    await new Promise((resolve) => scope.signal.addEventListener("abort", resolve, { once: true }));
    assert.equal((scope.signal.reason as RpcError).code, Code.DeadlineExceeded);
    assert.equal(scope.remainingMs(), 0);
    scope.dispose();
  });
  it("follows the caller's signal with CANCELLED", () => {
    const caller = new AbortController();
    const scope = createCallScope({ signal: caller.signal });
    caller.abort();
    assert.equal((scope.signal.reason as RpcError).code, Code.Canceled);
    scope.dispose();
  });
  it("takes the earlier of deadline and timeout", () => {
    const scope = createCallScope({ timeoutMs: 60_000, deadline: Date.now() + 1000 });
    const left = scope.remainingMs()!;
    assert.ok(left <= 1000 && left > 900, `remaining ${left}`);
    scope.dispose();
  });
  it("an already-passed deadline aborts at once", () => {
    const scope = createCallScope({ deadline: Date.now() - 1 });
    assert.ok(scope.signal.aborted);
    scope.dispose();
  });
  it("dispose stops the timer and detaches from the caller", () => {
    const caller = new AbortController();
    const scope = createCallScope({ signal: caller.signal, timeoutMs: 10 });
    scope.dispose();
    caller.abort();
    assert.equal(scope.signal.aborted, false);
  });
});

describe("limits", () => {
  it("defaults to 4 MiB messages and rejects nonsense", () => {
    assert.equal(resolveLimits().maxReceiveMessageBytes, 4 << 20);
    assert.equal(resolveLimits({ maxSendMessageBytes: 10 }).maxSendMessageBytes, 10);
    assert.throws(() => resolveLimits({ maxMetadataBytes: -1 }), TypeError);
  });
});
