/** Assertions about RPC failures shared by the client and server tests. */
import assert from "node:assert/strict";
import { Code, RpcError } from "../../src/core/index.js";

/**
 * Await `p` (or call it) and assert that it rejects with an RpcError of `code`, whose raw message
 * matches `message` when given; returns the error for further checks.
 */
export async function rejectsWith(p: Promise<unknown> | (() => Promise<unknown>), code: Code, message?: RegExp): Promise<RpcError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    assert.ok(e instanceof RpcError, `expected an RpcError, got ${String(e)}`);
    assert.equal(e.code, code, `expected code ${Code[code]}, got ${Code[e.code]}: ${e.message}`);
    if (message) assert.match(e.rawMessage, message);
    return e;
  }
  assert.fail("expected the call to fail");
}
