import type { SamplingParams } from "../stepped.js";

let order = new Int32Array(0);
let weights = new Float64Array(0);

/**
 * Pick a token from one position's logits (`vocab` floats from `offset`): the largest at
 * temperature 0 (the lowest id among equals), otherwise softmax at the temperature, cut to the
 * nucleus `topP`, drawn with the sequence's own random stream.
 */
export function sampleLogits(logits: Float32Array, offset: number, vocab: number, p: SamplingParams): number {
  let best = 0;
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) {
    const v = logits[offset + i]!;
    if (v > max) { max = v; best = i; }
  }
  if (p.temperature === 0) return best;
  if (weights.length < vocab) { weights = new Float64Array(vocab); order = new Int32Array(vocab); }
  const inv = 1 / p.temperature;
  let total = 0;
  for (let i = 0; i < vocab; i++) total += weights[i] = Math.exp((logits[offset + i]! - max) * inv);
  if (p.topP >= 1) return draw(p.rng() * total, vocab, (i) => i);
  for (let i = 0; i < vocab; i++) order[i] = i;
  const ranked = order.subarray(0, vocab).sort((a, b) => weights[b]! - weights[a]! || a - b);
  const target = p.topP * total;
  let keep = vocab, mass = total, acc = 0;
  for (let i = 0; i < vocab; i++) {
    acc += weights[ranked[i]!]!;
    if (acc >= target) { keep = i + 1; mass = acc; break; }
  }
  return draw(p.rng() * mass, keep, (i) => ranked[i]!);
}

function draw(r: number, count: number, id: (i: number) => number): number {
  for (let i = 0; i < count; i++) {
    r -= weights[id(i)]!;
    if (r < 0) return id(i);
  }
  return id(count - 1);
}
