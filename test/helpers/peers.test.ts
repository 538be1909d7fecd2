import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { skipWithoutPeers } from "./peers.js";

describe("skipWithoutPeers: interop suites fail, not skip, in CI", () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it("runs a suite whose peers are all there", () => {
    process.env.CI = "true";
    assert.equal(skipWithoutPeers("suite", undefined), false);
  });

  it("skips, saying what is missing, outside CI", () => {
    delete process.env.CI;
    assert.match(String(skipWithoutPeers("suite", "python3-thrift is missing")), /python3-thrift is missing/);
  });

  it("fails in CI", () => {
    for (const v of ["true", "1", "TRUE"]) {
      process.env.CI = v;
      assert.throws(() => skipWithoutPeers("Thrift interop", "python3-thrift is missing"), /Thrift interop cannot run: python3-thrift is missing/);
    }
  });
});
