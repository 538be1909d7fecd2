import type { Rng } from "./rng.js";

/**
 * Next-token counts for one context, sorted by count (highest first, ties by token id), with
 * prefix sums so that sampling at temperature 1 is a binary search.
 */
export interface Distribution {
  readonly tokens: Uint32Array;
  readonly counts: Uint32Array;
  /** cumulative[i] = counts[0] + ... + counts[i]. */
  readonly cumulative: Float64Array;
  readonly total: number;
}

/** Options of {@link NgramModel.build}. */
export interface NgramOptions {
  /** A trigram context seen fewer times than this backs off to the bigram. Default 1. */
  minTrigramCount?: number;
}

let scratch = new Float64Array(256);
const SHIFT = 2 ** 17; // > every cl100k/o200k token id, so (a, b) packs into one exact double

/**
 * A trigram model over BPE token ids with backoff: the distribution after (a, b) if that
 * context was seen often enough, else after b, else the unigram distribution.
 */
export class NgramModel {
  private constructor(
    private readonly trigrams: Map<number, Distribution>,
    private readonly bigrams: Map<number, Distribution>,
    private readonly unigram: Distribution,
    /** Every token id the model can produce. */
    readonly vocabulary: readonly number[],
    /** Training tokens counted. */
    readonly size: number,
  ) {}

  /**
   * Count n-grams over documents of token ids. Each document is preceded and followed by
   * `boundary` (the end-of-text token), so the model learns how texts start and end.
   */
  static build(documents: readonly (readonly number[])[], boundary: number, options: NgramOptions = {}): NgramModel {
    const minTri = options.minTrigramCount ?? 1;
    const tri = new Map<number, Map<number, number>>();
    const bi = new Map<number, Map<number, number>>();
    const uni = new Map<number, number>();
    let a = boundary, b = boundary, size = 0;
    for (const doc of documents) {
      for (let i = 0; i <= doc.length; i++) {
        const t = i < doc.length ? doc[i]! : boundary;
        bump(tri, a * SHIFT + b, t);
        bump(bi, b, t);
        uni.set(t, (uni.get(t) ?? 0) + 1);
        a = b;
        b = t;
        size++;
      }
    }
    const trigrams = new Map<number, Distribution>();
    for (const [k, m] of tri) {
      const d = freeze(m);
      if (d.total >= minTri) trigrams.set(k, d);
    }
    const bigrams = new Map<number, Distribution>();
    for (const [k, m] of bi) bigrams.set(k, freeze(m));
    return new NgramModel(trigrams, bigrams, freeze(uni), [...uni.keys()].sort((x, y) => x - y), size);
  }

  /** The distribution of the token after (a, b), with backoff. */
  next(a: number, b: number): Distribution {
    return this.trigrams.get(a * SHIFT + b) ?? this.bigrams.get(b) ?? this.unigram;
  }
}

/**
 * Pick an index of `d`: greedy at temperature 0; otherwise in proportion to count^(1/T), among
 * the most likely entries whose share reaches `topP`.
 */
export function sample(d: Distribution, temperature: number, topP: number, rng: Rng): number {
  const n = d.tokens.length;
  if (temperature === 0 || n === 1) return 0;
  if (temperature === 1 && topP >= 1) return search(d.cumulative, rng() * d.total);
  const inv = 1 / temperature;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  const w = scratch; // sample() is synchronous, so one buffer serves every generation
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i] = temperature === 1 ? d.counts[i]! : Math.pow(d.counts[i]!, inv);
  let keep = n, mass = total;
  if (topP < 1) {
    const target = topP * total;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += w[i]!;
      if (acc >= target) { keep = i + 1; mass = acc; break; }
    }
  }
  let r = rng() * mass;
  for (let i = 0; i < keep; i++) {
    r -= w[i]!;
    if (r < 0) return i;
  }
  return keep - 1;
}

/** First index whose cumulative count is above `r`. */
function search(cumulative: Float64Array, r: number): number {
  let lo = 0, hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function bump(table: Map<number, Map<number, number>>, key: number, token: number): void {
  let m = table.get(key);
  if (!m) table.set(key, (m = new Map()));
  m.set(token, (m.get(token) ?? 0) + 1);
}

function freeze(m: Map<number, number>): Distribution {
  const entries = [...m].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
  const tokens = new Uint32Array(entries.length);
  const counts = new Uint32Array(entries.length);
  const cumulative = new Float64Array(entries.length);
  let total = 0;
  entries.forEach(([t, c], i) => {
    tokens[i] = t;
    counts[i] = c;
    cumulative[i] = total += c;
  });
  return { tokens, counts, cumulative, total };
}
