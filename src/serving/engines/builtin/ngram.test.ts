import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NgramModel, sample } from "./ngram.js";
import { createRng } from "./rng.js";

const EOT = 100;

describe("NgramModel", () => {
  const model = NgramModel.build([[1, 2, 3, 1, 2, 4, 1, 2, 3]], EOT);

  it("uses the trigram context when it was seen, and backs off when not", () => {
    assert.deepEqual([...model.next(1, 2).tokens], [3, 4]);
    assert.deepEqual([...model.next(1, 2).counts], [2, 1]);
    assert.deepEqual([...model.next(9, 3).tokens].sort(), [1, EOT]); // bigram after 3
    assert.equal(model.next(7, 8).total, 10); // unigram over every position
    assert.deepEqual(model.vocabulary, [1, 2, 3, 4, EOT]);
  });

  it("samples greedily at temperature 0 and within the nucleus at small top_p", () => {
    const d = model.next(1, 2);
    const rng = createRng(1n);
    for (let i = 0; i < 100; i++) assert.equal(sample(d, 0, 1, rng), 0);
    for (let i = 0; i < 100; i++) assert.equal(sample(d, 1, 0.5, rng), 0);
  });

  it("samples in proportion to the counts at temperature 1, and flattens at higher temperature", () => {
    const d = model.next(1, 2); // counts 2 : 1
    const share = (t: number) => {
      const rng = createRng(42n);
      let first = 0;
      for (let i = 0; i < 20_000; i++) if (sample(d, t, 1, rng) === 0) first++;
      return first / 20_000;
    };
    assert.ok(Math.abs(share(1) - 2 / 3) < 0.02, `share ${share(1)}`);
    assert.ok(Math.abs(share(2) - Math.SQRT2 / (Math.SQRT2 + 1)) < 0.02);
    assert.ok(share(0.25) > 0.9);
  });

  it("repeats a sequence for a seed and spreads values over [0, 1)", () => {
    const a = createRng(7n), b = createRng(7n), c = createRng(8n);
    const xs = Array.from({ length: 5 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 5 }, () => b()));
    assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c()));
    const r = createRng(1n);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = r();
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  });
});
