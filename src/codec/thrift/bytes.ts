import { badI64, badValue, truncated } from "./errors.js";

/**
 * Byte-level helpers shared by the generated codecs, `skip` and the message helpers.
 * Buffers are Node Buffers (Uint8Array subclasses) so the native UTF-8 routines apply.
 * @internal
 */
type NodeBuf = Buffer & { utf8Write(s: string, offset: number): number; utf8Slice(start: number, end: number): string };

const f64 = new Float64Array(1);
const f8 = new Uint8Array(f64.buffer);
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO32 = 4294967296;

/** Write a double big-endian (binary protocol). */
export function wdblBE(b: Uint8Array, p: number, x: number): void {
  f64[0] = x;
  if (LE) { b[p] = f8[7]!; b[p + 1] = f8[6]!; b[p + 2] = f8[5]!; b[p + 3] = f8[4]!; b[p + 4] = f8[3]!; b[p + 5] = f8[2]!; b[p + 6] = f8[1]!; b[p + 7] = f8[0]!; }
  else for (let i = 0; i < 8; i++) b[p + i] = f8[i]!;
}
/** Write a double little-endian (compact protocol). */
export function wdblLE(b: Uint8Array, p: number, x: number): void {
  f64[0] = x;
  if (LE) { b[p] = f8[0]!; b[p + 1] = f8[1]!; b[p + 2] = f8[2]!; b[p + 3] = f8[3]!; b[p + 4] = f8[4]!; b[p + 5] = f8[5]!; b[p + 6] = f8[6]!; b[p + 7] = f8[7]!; }
  else for (let i = 0; i < 8; i++) b[p + i] = f8[7 - i]!;
}
export function rdblBE(b: Uint8Array, p: number): number {
  if (LE) { f8[7] = b[p]!; f8[6] = b[p + 1]!; f8[5] = b[p + 2]!; f8[4] = b[p + 3]!; f8[3] = b[p + 4]!; f8[2] = b[p + 5]!; f8[1] = b[p + 6]!; f8[0] = b[p + 7]!; }
  else for (let i = 0; i < 8; i++) f8[i] = b[p + i]!;
  return f64[0]!;
}
export function rdblLE(b: Uint8Array, p: number): number {
  if (LE) { f8[0] = b[p]!; f8[1] = b[p + 1]!; f8[2] = b[p + 2]!; f8[3] = b[p + 3]!; f8[4] = b[p + 4]!; f8[5] = b[p + 5]!; f8[6] = b[p + 6]!; f8[7] = b[p + 7]!; }
  else for (let i = 0; i < 8; i++) f8[i] = b[p + 7 - i]!;
  return f64[0]!;
}

/** Write `s` as UTF-8 at `p`; returns the byte count. Capacity for 3 bytes per UTF-16 unit must be there. */
export function wutf8(b: Uint8Array, p: number, s: string): number {
  const n = s.length;
  if (n < 24) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      b[p + i] = c;
    }
    if (i === n) return n;
  }
  return (b as NodeBuf).utf8Write(s, p);
}

/** Read `n` bytes at `p` as UTF-8 (invalid sequences become U+FFFD, as Buffer does). */
export function rutf8(b: Uint8Array, p: number, n: number): string {
  if (n < 12) {
    let s = "";
    for (let i = 0; i < n; i++) {
      const c = b[p + i]!;
      if (c >= 0x80) return (b as NodeBuf).utf8Slice(p, p + n);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return (b as NodeBuf).utf8Slice(p, p + n);
}

/** A copy of `n` bytes at `p`, as a plain Uint8Array owned by the caller. */
export function rbytes(b: Uint8Array, p: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(b.subarray(p, p + n));
  return out;
}

/** Bytes for a binary field: Uint8Array as is, a string as its UTF-8 bytes. */
export function toBytes(x: unknown, where: string): Uint8Array {
  if (x instanceof Uint8Array) return x;
  if (typeof x === "string") return Buffer.from(x, "utf8");
  throw badValue(where, "a Uint8Array", x);
}

// ---- i64 -------------------------------------------------------------------------------------
const MIN64 = -(2n ** 63n);
const MAX64 = 2n ** 63n - 1n;
const SAFE = 2n ** 53n - 1n;
/** High and low 32-bit halves of the last value `split64` converted (avoids allocating a pair). */
export const parts = { hi: 0, lo: 0 };

/** Split an i64 given as bigint, safe integer number or decimal string into `parts`. */
export function split64(x: unknown, where: string): void {
  let n: number;
  if (typeof x === "number") {
    if (!Number.isSafeInteger(x)) throw badValue(where, "an i64 (bigint, safe integer or decimal string)", x);
    n = x;
  } else {
    let v: bigint;
    if (typeof x === "bigint") v = x;
    else if (typeof x === "string" && /^-?\d+$/.test(x)) v = BigInt(x);
    else throw badValue(where, "an i64 (bigint, safe integer or decimal string)", x);
    if (v < MIN64 || v > MAX64) throw badI64(where, `${v} does not fit in i64`);
    if (v < -SAFE || v > SAFE) {
      parts.lo = Number(v & 0xffffffffn);
      parts.hi = Number(BigInt.asIntN(32, v >> 32n));
      return;
    }
    n = Number(v);
  }
  parts.lo = n >>> 0;
  parts.hi = Math.floor(n / TWO32) | 0;
}

/** i64 from halves (hi signed, lo unsigned) as bigint. */
export function big64(hi: number, lo: number): bigint {
  if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * TWO32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}
/** i64 from halves as a number; throws if it is not a safe integer. */
export function num64(hi: number, lo: number, where: string): number {
  if (hi >= -0x200000 && hi < 0x200000) {
    const n = hi * TWO32 + lo;
    if (Number.isSafeInteger(n)) return n;
  }
  throw badI64(where, `i64 value ${big64(hi, lo)} is not a safe JS number; decode i64 as "bigint" or "string"`);
}
/** i64 from halves as a decimal string. */
export function str64(hi: number, lo: number): string {
  if (hi >= -0x200000 && hi < 0x200000) return String(hi * TWO32 + lo);
  return String(big64(hi, lo));
}

// ---- varints (compact protocol) --------------------------------------------------------------
/** Write an unsigned 32-bit varint; returns the new position. */
export function wvar32(b: Uint8Array, p: number, v: number): number {
  v >>>= 0;
  while (v > 127) { b[p++] = (v & 127) | 128; v >>>= 7; }
  b[p++] = v;
  return p;
}

/** Write the zigzag varint of the i64 in `parts`; returns the new position. */
export function wzz64(b: Uint8Array, p: number): number {
  const { hi, lo } = parts;
  const sign = hi >> 31;
  let zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
  let zlo = ((lo << 1) ^ sign) >>> 0;
  while (zhi !== 0) {
    b[p++] = (zlo & 127) | 128;
    zlo = ((zlo >>> 7) | (zhi << 25)) >>> 0;
    zhi >>>= 7;
  }
  while (zlo > 127) { b[p++] = (zlo & 127) | 128; zlo >>>= 7; }
  b[p++] = zlo;
  return p;
}

/** A cursor over input bytes: `b` the buffer, `p` the position, `e` the end (exclusive). */
export interface Cursor { b: Uint8Array; p: number; e: number }

/** Read an unsigned varint of at most 32 bits at `r.p` (at most 5 bytes). */
export function rvar32(r: Cursor, where: string): number {
  const b = r.b, e = r.e;
  let p = r.p;
  let v = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (p >= e) throw truncated(where);
    const c = b[p++]!;
    v |= (c & 127) << shift;
    if (c < 128) { r.p = p; return v >>> 0; }
  }
  if (p >= e) throw truncated(where);
  const c = b[p++]!;
  if (c >= 128) throw badI64(where, "varint longer than 5 bytes");
  if (c > 15) throw badI64(where, "varint does not fit in 32 bits");
  r.p = p;
  return (v | (c << 28)) >>> 0;
}

/** Read a zigzag varint i64 at `r.p` into `parts` (hi signed, lo unsigned). */
export function rzz64(r: Cursor, where: string): void {
  const b = r.b;
  let p = r.p;
  let lo = 0;
  let hi = 0;
  let i = 0;
  for (;; i++) {
    if (i >= 10) throw badI64(where, "varint longer than 10 bytes");
    if (p >= r.e) throw truncated(where);
    const c = b[p++]!;
    if (i < 4) lo |= (c & 127) << (7 * i);
    else if (i === 4) { lo |= (c & 15) << 28; hi |= (c & 127) >>> 4; }
    else hi |= (c & 127) << (7 * i - 32);
    if (c < 128) break;
  }
  r.p = p;
  lo >>>= 0;
  const neg = -(lo & 1);
  parts.lo = (((lo >>> 1) | (hi << 31)) ^ neg) >>> 0;
  parts.hi = ((hi >>> 1) ^ neg) | 0;
}

// ---- uuid --------------------------------------------------------------------------------------
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export function wuuid(b: Uint8Array, p: number, x: unknown, where: string): void {
  if (typeof x !== "string" || !UUID.test(x)) throw badValue(where, "a uuid string (8-4-4-4-12 hex digits)", x);
  const hex = x.replace(/-/g, "");
  for (let i = 0; i < 16; i++) b[p + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}
export function ruuid(b: Uint8Array, p: number): string {
  const h = Buffer.from(b.buffer, b.byteOffset + p, 16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Bytes an unsigned 32-bit varint takes. */
export function vsize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/**
 * Write a compact-protocol string (varint byte length, then UTF-8) at `p`; returns the new
 * position. Capacity for 5 + 3 bytes per UTF-16 unit must be there.
 */
export function wstrC(b: Uint8Array, p: number, s: string): number {
  const k = vsize(s.length * 3);
  const n = wutf8(b, p + k, s);
  const kn = vsize(n);
  if (kn < k) b.copyWithin(p + kn, p + k, p + k + n);
  return wvar32(b, p, n) + n;
}
