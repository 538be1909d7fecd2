import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../core/index.js";
import { JsonDepthMeter, parseJson } from "./json-input.js";

const nestsDeeperThan = (text: string, max: number) => !new JsonDepthMeter(max).feed(text);

describe("JSON input depth", () => {
  it("counts arrays and objects, not brackets inside strings (escaped quotes included)", () => {
    assert.equal(nestsDeeperThan(`{"a": [1, {"b": []}]}`, 4), false);
    assert.equal(nestsDeeperThan(`{"a": [1, {"b": []}]}`, 3), true);
    assert.equal(nestsDeeperThan(`{"a": "[[[[{{{{\\"[[[[", "b": ["]]]]"]}`, 2), false);
    assert.equal(nestsDeeperThan(`["\\\\", [[]]]`, 2), true);
  });

  it("measures text fed in pieces, split anywhere (inside a string, after a backslash)", () => {
    const text = `{"a": "x\\"[[[[", "b": [[1]]}`;
    for (let cut = 0; cut <= text.length; cut++) {
      for (const [max, fits] of [[3, true], [2, false]] as const) {
        const m = new JsonDepthMeter(max);
        assert.equal(m.feed(text.slice(0, cut)) && m.feed(text.slice(cut)), fits, `cut at ${cut}, max ${max}`);
      }
    }
  });

  it("parseJson refuses deep or broken JSON with INVALID_ARGUMENT and a short message", () => {
    const refused = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.rawMessage) && e.rawMessage.length < 200;
    assert.throws(() => parseJson(`${"[".repeat(1e6)}${"]".repeat(1e6)}`, 64, "request body"), refused(/^request body nests deeper than 64 levels$/));
    assert.throws(() => parseJson(`{"a": ${"1".repeat(1e6)}x}`, 64, "message"), refused(/^message is not valid JSON/));
    assert.deepEqual(parseJson(`{"a": [[1]]}`, 3, "body"), { a: [[1]] });
  });
});
