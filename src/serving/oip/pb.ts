import { Code, RpcError } from "../../core/index.js";

/**
 * Protobuf wire primitives for the ModelInfer codec (wire.ts): a reader over one byte array that
 * hands out views, never copies, and writers that put varints, strings and bytes at a position of
 * a buffer sized beforehand. 64-bit integers travel as two 32-bit halves (`lo`, `hi`), so that
 * no BigInt or Long is made per element.
 * @internal
 */

export const enum WireType { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 }

/** A malformed message (truncated, a bad varint or wire type): the sender's error, INVALID_ARGUMENT. */
export function malformed(what: string, why: string): RpcError {
  return new RpcError(Code.InvalidArgument, `cannot decode ${what}: ${why}`);
}

export class WireReader {
  pos: number;
  /** The halves of the last `varint64()` or `fixed64()`. */
  lo = 0;
  hi = 0;
  readonly buf: Buffer;

  constructor(bytes: Uint8Array, start: number, readonly end: number, readonly what: string) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  /** A varint's low 32 bits, unsigned (a negative int32 is sent in 10 bytes: the rest is skipped). */
  varint32(): number {
    const b = this.buf;
    let p = this.pos, v = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= this.end) throw malformed(this.what, "a varint runs past the end");
      const c = b[p++]!;
      if (i < 5) v |= (c & 0x7f) << (7 * i);
      if (c < 0x80) {
        this.pos = p;
        return v >>> 0;
      }
    }
    throw malformed(this.what, "a varint is longer than 10 bytes");
  }

  /** A 64-bit varint into `lo` and `hi`. */
  varint64(): void {
    const b = this.buf;
    let p = this.pos, lo = 0, hi = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= this.end) throw malformed(this.what, "a varint runs past the end");
      const c = b[p++]!;
      if (i < 4) lo |= (c & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (c & 0x0f) << 28;
        hi |= (c & 0x7f) >> 4;
      } else hi |= (c & 0x7f) << (7 * i - 32);
      if (c < 0x80) {
        this.pos = p;
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw malformed(this.what, "a varint is longer than 10 bytes");
  }

  /** A fixed64 into `lo` and `hi`. */
  fixed64(): void {
    this.need(8);
    this.lo = this.buf.readUInt32LE(this.pos);
    this.hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  float(): number {
    this.need(4);
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A length-delimited field: returns its end; `pos` is at its start. */
  delimited(): number {
    const n = this.varint32();
    const e = this.pos + n;
    if (e > this.end) throw malformed(this.what, `a field of ${n} bytes runs past the end`);
    return e;
  }

  /** A bytes field as a view of the input. */
  bytes(): Buffer {
    const e = this.delimited();
    const v = this.buf.subarray(this.pos, e);
    this.pos = e;
    return v;
  }

  string(): string {
    const e = this.delimited();
    const s = e === this.pos ? "" : this.buf.toString("utf8", this.pos, e);
    this.pos = e;
    return s;
  }

  /** Skip the value of a field of wire type `tag & 7`. */
  skip(tag: number): void {
    switch (tag & 7) {
      case WireType.Varint: this.varint32(); return;
      case WireType.Fixed64: this.need(8); this.pos += 8; return;
      case WireType.Bytes: this.pos = this.delimited(); return;
      case WireType.Fixed32: this.need(4); this.pos += 4; return;
      default: throw malformed(this.what, `wire type ${tag & 7} of field ${tag >>> 3} is not supported`);
    }
  }

  /** The next tag; field number 0 is malformed. */
  tag(): number {
    const t = this.varint32();
    if (t >>> 3 === 0) throw malformed(this.what, "field number 0");
    return t;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw malformed(this.what, `a ${n}-byte value runs past the end`);
  }
}

/** The value of a 64-bit integer from its halves, signed: exact up to 2^53. */
export function int64Number(lo: number, hi: number): number {
  return (hi | 0) * 4294967296 + lo;
}

/** The value of a 64-bit integer from its halves, unsigned. */
export function uint64Number(lo: number, hi: number): number {
  return hi * 4294967296 + lo;
}

/** Bytes of an unsigned 32-bit varint. */
export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Bytes of a 64-bit varint given as halves. */
export function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varintSize(lo);
  return hi < 0x8 ? 5 : hi < 0x400 ? 6 : hi < 0x20000 ? 7 : hi < 0x1000000 ? 8 : hi < 0x80000000 ? 9 : 10;
}

/** Bytes of an int32 varint (a negative one takes 10, as its 64-bit sign extension). */
export function int32Size(v: number): number {
  return v < 0 ? 10 : varintSize(v);
}

export function writeVarint(buf: Buffer, pos: number, v: number): number {
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

export function writeVarint64(buf: Buffer, pos: number, lo: number, hi: number): number {
  while (hi !== 0 || lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

export function writeInt32(buf: Buffer, pos: number, v: number): number {
  return v < 0 ? writeVarint64(buf, pos, v >>> 0, 0xffffffff) : writeVarint(buf, pos, v);
}

/** The halves set by {@link splitNumber}. */
export const split = { lo: 0, hi: 0 };

/** Put the two's-complement halves of an integer within ±2^63 (a dimension, a parameter) in `split`. */
export function splitNumber(n: number): void {
  const m = Math.abs(n);
  let lo = m % 4294967296 >>> 0, hi = Math.floor(m / 4294967296) >>> 0;
  if (n < 0) {
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
  }
  split.lo = lo;
  split.hi = hi;
}

/** Bytes of a string's UTF-8 form. */
export function utf8Size(s: string): number {
  return s.length === 0 ? 0 : Buffer.byteLength(s, "utf8");
}

/** Bytes of a length-delimited field of `n` bytes with a one-byte key. */
export function fieldSize(n: number): number {
  return 1 + varintSize(n) + n;
}

/** A one-byte key and the length `n` of the value that follows. */
export function writeHeader(buf: Buffer, pos: number, tag: number, n: number): number {
  buf[pos] = tag;
  return writeVarint(buf, pos + 1, n);
}

export function writeString(buf: Buffer, pos: number, tag: number, s: string, n: number): number {
  pos = writeHeader(buf, pos, tag, n);
  if (n > 0) buf.write(s, pos, n, "utf8");
  return pos + n;
}

export function writeBytes(buf: Buffer, pos: number, tag: number, b: Uint8Array): number {
  pos = writeHeader(buf, pos, tag, b.length);
  buf.set(b, pos);
  return pos + b.length;
}

/** The key of field `field` (< 16: one byte) with wire type `wire`. */
export function tagOf(field: number, wire: WireType): number {
  return (field << 3) | wire;
}
