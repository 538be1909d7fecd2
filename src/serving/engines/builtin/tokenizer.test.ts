import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import * as cl100k from "gpt-tokenizer/encoding/cl100k_base";
import { MAX_PIECE_CHARS, SLICE_CHARS, textSegments } from "./segments.js";
import { cl100kTokenizer as tok } from "./tokenizer.js";

/** The longest run of one pre-tokenizer character class (letters, whitespace, other symbols) in `text`. */
function longestRun(text: string): number {
  let longest = 0;
  for (const m of text.matchAll(/\p{L}+|\s+|[^\s\p{L}\p{N}]+/gu)) longest = Math.max(longest, m[0].length);
  return longest;
}

/** CPU time of `fn` in ms (this process's user + system time, so other processes do not count). */
function cpuMsOf(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** Deterministic pseudo-random text from an alphabet: no merge cache helps the tokenizer. */
function randomText(alphabet: string, length: number, seed = 1): string {
  let s = seed;
  let out = "";
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out += alphabet[s % alphabet.length];
  }
  return out;
}
const LETTERS = "abcdefghijklmnopqrstuvwxyz";
const PROSE = "The river runs past old mills, and 42 boats drift by; it's late.\nNew lines too.  ";
const cjk = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join("");

describe("text segments", () => {
  it("are the text, in order, with no run of one class longer than the piece bound", () => {
    for (const text of ["", "a", LETTERS.repeat(1000), " ".repeat(10_000), "!".repeat(300), cjk(5000), "😀".repeat(3000), PROSE.repeat(400)]) {
      const segments = [...textSegments(text)];
      assert.equal(segments.join(""), text);
      for (const s of segments) assert.ok(longestRun(s) <= MAX_PIECE_CHARS, `a run of ${longestRun(s)} in a segment`);
    }
  });

  it("never cut a surrogate pair", () => {
    for (const text of ["😀".repeat(3000), "a" + "😀".repeat(3000), `${"x ".repeat(2047)}${"😀".repeat(500)}`]) {
      for (const s of textSegments(text)) {
        assert.ok(!/^[\udc00-\udfff]/.test(s) && !/[\ud800-\udbff]$/.test(s), "a segment starts or ends inside a surrogate pair");
      }
    }
  });

  it("are slices of about SLICE_CHARS in long text", () => {
    const sizes = [...textSegments(PROSE.repeat(2000))].map((s) => s.length);
    assert.ok(sizes.length > 10);
    for (const n of sizes) assert.ok(n <= SLICE_CHARS + 256, `a slice of ${n}`);
  });
});

describe("cl100k tokenizer", () => {
  it("gives exactly cl100k's tokens for any text without long runs, however long", () => {
    const piece = fc.oneof(fc.constantFrom(..."abcXYZ019 \t\n\r.,!?'-é漢😀"), fc.string({ maxLength: 12 }), fc.constantFrom(" the", "'s", "  ", "\r\n", "123456"));
    fc.assert(fc.property(fc.array(piece, { maxLength: 3000 }), (parts) => {
      const text = parts.join("");
      fc.pre(longestRun(text) < MAX_PIECE_CHARS);
      assert.deepEqual(tok.encode(text), cl100k.encode(text, { disallowedSpecial: new Set() }));
    }), { numRuns: 60 });
    const long = PROSE.repeat(3000);
    assert.deepEqual(tok.encode(long), cl100k.encode(long, { disallowedSpecial: new Set() }));
  });

  it("round-trips text with long runs, and counts what it encodes", () => {
    for (const text of [LETTERS.repeat(300), " ".repeat(5000), cjk(3000), `x${"😀".repeat(200)}y`]) {
      const ids = tok.encode(text);
      assert.equal(tok.decode(ids), text);
      assert.equal(tok.count(text), ids.length);
    }
  });

  it("takes time linear in the length of a single word (BPE alone is quadratic)", () => {
    tok.encode(randomText(LETTERS, 20_000, 3)); // warm up (other text: the tokenizer caches pieces it saw)
    const small = randomText(LETTERS, 50_000), large = randomText(LETTERS, 200_000, 2);
    const a = cpuMsOf(() => tok.encode(small)), b = cpuMsOf(() => tok.encode(large));
    // linear: about 4x; quadratic BPE took 16x (and about 5 s for 100k letters)
    assert.ok(b / Math.max(a, 1) < 8, `50k letters ${a.toFixed(0)} ms, 200k letters ${b.toFixed(0)} ms`);
    assert.ok(b < 2000, `200k letters took ${b.toFixed(0)} ms of CPU`);
  });

  it("encodeInSlices gives encode's tokens, stops early past maxTokens, and yields to the event loop", async () => {
    const text = `${PROSE.repeat(300)}${cjk(2000)}${LETTERS.repeat(200)}`;
    assert.deepEqual(await tok.encodeInSlices(text), tok.encode(text));
    const few = await tok.encodeInSlices(text, { maxTokens: 100 });
    assert.ok(few.length > 100 && few.length < 2000, `${few.length} tokens`);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      await tok.encodeInSlices(randomText(LETTERS + "  ", 200_000));
    } finally {
      clearInterval(ticker);
    }
    assert.ok(turns >= 3, `timers ran ${turns} times while 200k characters were tokenized`);
  });

  it("encodeInSlices stops between slices when its signal aborts", async () => {
    const controller = new AbortController();
    const work = tok.encodeInSlices(PROSE.repeat(5000), { signal: controller.signal });
    controller.abort(new Error("enough"));
    await assert.rejects(work, /CANCELLED|enough/);
  });
});
