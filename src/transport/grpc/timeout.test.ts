import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatGrpcTimeout, parseGrpcTimeout } from "./timeout.js";

describe("grpc-timeout", () => {
  it("parses every unit, up to 8 digits", () => {
    assert.equal(parseGrpcTimeout("1H"), 3_600_000);
    assert.equal(parseGrpcTimeout("2M"), 120_000);
    assert.equal(parseGrpcTimeout("3S"), 3000);
    assert.equal(parseGrpcTimeout("5000m"), 5000);
    assert.equal(parseGrpcTimeout("1500u"), 1.5);
    assert.equal(parseGrpcTimeout("2000000n"), 2);
    assert.equal(parseGrpcTimeout("99999999S"), 99_999_999_000);
    assert.equal(parseGrpcTimeout("00000007m"), 7);
  });

  it("rejects what the grammar does not allow", () => {
    for (const bad of ["", "m", "5", "123456789m", "5x", "-5m", "5.0m", " 5m", "5m ", "5 m", "５m", "5mm", "+5m"]) {
      assert.equal(parseGrpcTimeout(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(parseGrpcTimeout(undefined), undefined);
  });

  it("formats what it parses back to at least the same time", () => {
    for (const ms of [0.000001, 0.5, 1, 999.2, 5000, 1e8, 1e11, 1e15]) {
      const back = parseGrpcTimeout(formatGrpcTimeout(ms))!;
      assert.ok(back >= Math.min(ms, 99_999_999 * 3_600_000), `${ms} -> ${formatGrpcTimeout(ms)}`);
    }
  });
});
