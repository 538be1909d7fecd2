import { Code, RpcError } from "../../core/index.js";
import type { ThriftProtocol } from "./message.js";

/**
 * Where a Thrift struct ends, without decoding it: what an unframed (buffered) transport needs to
 * cut messages out of a byte stream, and what skipping an unknown field needs.
 * `measureStruct` returns the offset just past the struct's STOP byte, or -1 when the bytes end
 * first; malformed input (unknown types, depth past `maxDepth`) throws an RpcError (INTERNAL).
 * Every element takes at least one byte, so the walk is bounded by the bytes at hand.
 */
export function measureStruct(protocol: ThriftProtocol, b: Uint8Array, off: number, maxDepth = 64): number {
  const m = protocol === "binary" ? new BinaryMeasure(b, maxDepth) : new CompactMeasure(b, maxDepth);
  try {
    return m.struct(off, 0);
  } catch (e) {
    if (e === INCOMPLETE) return -1;
    throw e;
  }
}

/** Offset past one value of a binary type, or -1 when incomplete. */
export function measureBinaryValue(b: Uint8Array, off: number, type: number, maxDepth = 64): number {
  try {
    return new BinaryMeasure(b, maxDepth).value(off, type, 0);
  } catch (e) {
    if (e === INCOMPLETE) return -1;
    throw e;
  }
}

/** Offset past one value of a compact type, or -1 when incomplete. */
export function measureCompactValue(b: Uint8Array, off: number, type: number, maxDepth = 64): number {
  try {
    return new CompactMeasure(b, maxDepth).value(off, type, 0);
  } catch (e) {
    if (e === INCOMPLETE) return -1;
    throw e;
  }
}

const INCOMPLETE = Symbol("incomplete");

/** What both protocols' walkers share: bounds checks, and containers of fixed-size elements measured without a walk. */
abstract class Measure {
  constructor(protected readonly b: Uint8Array, protected readonly maxDepth: number, private readonly fixed: Record<number, number>) {}

  abstract value(o: number, type: number, depth: number): number;

  protected elements(o: number, count: number, types: number[], depth: number): number {
    if (depth > this.maxDepth) throw deep(this.maxDepth);
    let perItem = 0;
    for (const t of types) perItem += this.fixed[t] ?? -Infinity;
    if (perItem > 0) return this.need(o, perItem * count);
    for (let i = 0; i < count; i++) for (const t of types) o = this.value(o, t, depth + 1);
    return o;
  }

  protected byte(o: number): number {
    if (o >= this.b.length) throw INCOMPLETE;
    return this.b[o]!;
  }

  protected need(o: number, n: number): number {
    if (o + n > this.b.length) throw INCOMPLETE;
    return o + n;
  }
}
const BINARY_FIXED: Record<number, number> = { 2: 1, 3: 1, 4: 8, 6: 2, 8: 4, 10: 8, 16: 16 };

class BinaryMeasure extends Measure {
  constructor(b: Uint8Array, maxDepth: number) {
    super(b, maxDepth, BINARY_FIXED);
  }

  struct(o: number, depth: number): number {
    if (depth > this.maxDepth) throw deep(this.maxDepth);
    for (;;) {
      const type = this.byte(o);
      if (type === 0) return o + 1;
      o = this.value(o + 3, type, depth + 1);
    }
  }

  value(o: number, type: number, depth: number): number {
    const fixed = BINARY_FIXED[type];
    if (fixed !== undefined) return this.need(o, fixed);
    switch (type) {
      case 11: return this.need(o + 4, this.size(o));
      case 12: return this.struct(o, depth);
      case 13: return this.elements(o + 6, this.size(o + 2), [this.byte(o), this.byte(o + 1)], depth);
      case 14: case 15: return this.elements(o + 5, this.size(o + 1), [this.byte(o)], depth);
      default: throw badType(type);
    }
  }

  private size(o: number): number {
    this.need(o, 4);
    const n = ((this.b[o]! << 24) | (this.b[o + 1]! << 16) | (this.b[o + 2]! << 8) | this.b[o + 3]!);
    if (n < 0) throw new RpcError(Code.Internal, `thrift: negative size ${n}`);
    return n;
  }
}

const COMPACT_FIXED: Record<number, number> = { 1: 1, 2: 1, 3: 1, 7: 8, 13: 16 };

class CompactMeasure extends Measure {
  constructor(b: Uint8Array, maxDepth: number) {
    super(b, maxDepth, COMPACT_FIXED);
  }

  struct(o: number, depth: number): number {
    if (depth > this.maxDepth) throw deep(this.maxDepth);
    for (;;) {
      const head = this.byte(o++);
      if (head === 0) return o;
      if ((head & 0xf0) === 0) o = this.varint(o); // long form: zigzag i16 field id follows
      const type = head & 0x0f;
      if (type === 1 || type === 2) continue; // booleans live in the field header
      o = this.value(o, type, depth + 1);
    }
  }

  value(o: number, type: number, depth: number): number {
    const fixed = COMPACT_FIXED[type];
    if (fixed !== undefined) return this.need(o, fixed);
    switch (type) {
      case 4: case 5: case 6: return this.varint(o);
      case 8: { const n = this.varintValue(o); return this.need(this.varint(o), n); }
      case 12: return this.struct(o, depth);
      case 9: case 10: {
        const head = this.byte(o);
        let count = head >> 4;
        o += 1;
        if (count === 15) { count = this.varintValue(o); o = this.varint(o); }
        return this.elements(o, count, [head & 0x0f], depth);
      }
      case 11: {
        const count = this.varintValue(o);
        o = this.varint(o);
        if (count === 0) return o;
        const kv = this.byte(o);
        return this.elements(o + 1, count, [kv >> 4, kv & 0x0f], depth);
      }
      default: throw badType(type);
    }
  }

  /** Offset past a varint of up to 10 bytes. */
  private varint(o: number): number {
    for (let i = 0; i < 10; i++) if ((this.byte(o + i) & 0x80) === 0) return o + i + 1;
    throw new RpcError(Code.Internal, "thrift: varint longer than 10 bytes");
  }

  /** A size varint (at most 32 bits). */
  private varintValue(o: number): number {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.byte(o + i);
      v += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) {
        if (v > 0x7fffffff) throw new RpcError(Code.Internal, `thrift: size ${v} out of range`);
        return v;
      }
    }
    throw new RpcError(Code.Internal, "thrift: size varint longer than 5 bytes");
  }
}

function badType(type: number): RpcError {
  return new RpcError(Code.Internal, `thrift: unknown wire type ${type}`);
}

function deep(max: number): RpcError {
  return new RpcError(Code.Internal, `thrift: nesting deeper than ${max}`);
}
