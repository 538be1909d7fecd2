import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectionCapFor, openFileLimit } from "./file-limit.js";

describe("connection caps from the open-file limit", () => {
  it("reads the soft limit of open files from /proc/self/limits", () => {
    const text = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n";
    assert.equal(openFileLimit(text), 1024);
    assert.equal(openFileLimit("Max open files            unlimited            unlimited            files\n"), undefined);
    if (process.platform === "linux") assert.ok(Number.isInteger(openFileLimit()));
  });

  it("shares the limit out so that both ports together can never use up the process's files", () => {
    assert.deepEqual([connectionCapFor(1024, 1024), connectionCapFor(1000, 1024)], [432, 432]);
    assert.deepEqual([connectionCapFor(1024, 20_000), connectionCapFor(1000, 20_000)], [1024, 1000]);
    assert.equal(connectionCapFor(1000, undefined), 1000);
    assert.ok(2 * connectionCapFor(1000, 256) + 64 <= 256);
  });
});
