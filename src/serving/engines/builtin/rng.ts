import { randomBytes } from "node:crypto";

/** A uniform number generator in [0, 1). */
export type Rng = () => number;

/**
 * A seeded PRNG (sfc32 over a state mixed from the 64-bit seed with splitmix32): fast, 32-bit
 * integer arithmetic only, same seed -> same sequence on every platform. Without a seed, the
 * state comes from the OS.
 */
export function createRng(seed?: bigint): Rng {
  let a: number, b: number, c: number, d: number;
  if (seed === undefined) {
    const r = randomBytes(16);
    [a, b, c, d] = [r.readUInt32LE(0), r.readUInt32LE(4), r.readUInt32LE(8), r.readUInt32LE(12)];
  } else {
    const s = BigInt.asUintN(64, seed);
    let x = Number(s & 0xffffffffn) | 0;
    const mix = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    a = mix();
    x ^= Number(s >> 32n) | 0; // the high half moves the rest of the state
    [b, c, d] = [mix(), mix(), mix()];
  }
  const next: Rng = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // warm up away from the seed
  return next;
}
