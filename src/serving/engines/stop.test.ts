import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StopMatcher } from "./stop.js";

/** Feed pieces; return what was released and whether it stopped. */
function feed(stops: string[], pieces: string[]): { out: string; stopped: boolean; flushed: string } {
  const m = new StopMatcher(stops);
  let out = "";
  for (const p of pieces) {
    const r = m.push(p);
    out += r.text;
    if (r.stopped) return { out, stopped: true, flushed: "" };
  }
  return { out, stopped: false, flushed: m.flush() };
}

describe("StopMatcher", () => {
  it("passes text through without stop sequences", () => {
    assert.deepEqual(feed([], ["a", "b"]), { out: "ab", stopped: false, flushed: "" });
  });

  it("finds a stop sequence split across pieces and never releases it", () => {
    assert.deepEqual(feed(["END"], ["abc E", "N", "D tail"]), { out: "abc ", stopped: true, flushed: "" });
    assert.deepEqual(feed(["\n\n"], ["Hello\n", "\nBye"]), { out: "Hello", stopped: true, flushed: "" });
  });

  it("holds back a possible start and releases it when it turns out not to be one", () => {
    const m = new StopMatcher(["STOP"]);
    assert.deepEqual(m.push("go ST"), { text: "go ", stopped: false });
    assert.deepEqual(m.push("ART"), { text: "START", stopped: false });
    assert.deepEqual(m.push("S"), { text: "", stopped: false });
    assert.equal(m.flush(), "S");
  });

  it("stops at the earliest of several sequences", () => {
    assert.deepEqual(feed(["cd", "b"], ["abcd"]), { out: "a", stopped: true, flushed: "" });
    assert.deepEqual(feed(["xyz", "yq"], ["xy", "q"]), { out: "x", stopped: true, flushed: "" });
  });
});
