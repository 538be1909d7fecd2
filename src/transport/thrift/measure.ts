import { Code, RpcError } from "../../core/index.js";
import type { ThriftProtocol } from "./message.js";

/**
 * Where a Thrift struct ends, without decoding it: what an unframed (buffered) transport needs to
 * cut messages out of a byte stream. Returns the offset just past the struct's STOP byte, or -1
 * when the bytes end first; malformed input (unknown types, depth past `maxDepth`) throws an
 * RpcError (INTERNAL). Every element takes at least one byte, so the walk is bounded by the bytes.
 */
export function measureStruct(protocol: ThriftProtocol, b: Uint8Array, off: number, maxDepth = 64): number {
  return new StructWalk(maxDepth).start(protocol, off).resume(b);
}

/** What reading a field header or a container slot gives besides a type. */
const INCOMPLETE = -1;
const STOP = -2;
const NO_VALUE = -3;

const STRUCT = 0;
const SEQUENCE = 1;
const MAP = 2;

/** A struct, list, set or map the walk is inside; `remaining` counts values (keys and values for maps). */
interface Frame { kind: number; remaining: number; t1: number; t2: number }

/** Sizes of fixed-size types, by type id; 0 for the others. */
function fixedSizes(sizes: Record<number, number>): Int8Array {
  const table = new Int8Array(256);
  for (const [t, n] of Object.entries(sizes)) table[Number(t)] = n;
  return table;
}
const BINARY_FIXED = fixedSizes({ 2: 1, 3: 1, 4: 8, 6: 2, 8: 4, 10: 8, 16: 16 });
const COMPACT_FIXED = fixedSizes({ 1: 1, 2: 1, 3: 1, 7: 8, 13: 16 });
const EMPTY = new Uint8Array(0);

/**
 * A walk over one struct that stops where the bytes end and resumes there when more arrive, so
 * that a message arriving in many small pieces is walked once in all (not once per piece). Give
 * `resume` the same bytes each time, only longer. Containers of fixed-size elements are skipped
 * without a walk. After an incomplete walk, `needed` is how long the bytes must be before it can
 * go on (the end of a string or of a container of fixed-size elements, when one is being read).
 */
export class StructWalk {
  /** Bytes the walk needs before it can take another step. */
  needed = 0;
  private binary = true;
  /** Offset of the next field header or value. */
  private pos = 0;
  /** Type of the value at `pos` when its header (field or container slot) was read already; -1 when none. */
  private pending = -1;
  private readonly frames: Frame[] = [];
  private depth = 0;
  private b: Uint8Array = EMPTY;
  /** Offset after the last size varint read (compact). */
  private varintNext = 0;

  constructor(private readonly maxDepth = 64) {}

  /** Begin a walk of the struct at `offset` (forgetting any walk in progress); returns this walk. */
  start(protocol: ThriftProtocol, offset: number): this {
    this.binary = protocol === "binary";
    this.pos = offset;
    this.pending = -1;
    this.depth = 0;
    this.needed = 0;
    this.push(STRUCT, 0, 0, 0);
    return this;
  }

  /** Walk on over `b`; the offset past the struct's STOP byte, or -1 when the bytes end first. */
  resume(b: Uint8Array): number {
    this.b = b;
    const end = this.walk(this.binary);
    this.b = EMPTY; // not kept past the call (after a throw the walk is dropped with its connection)
    return end;
  }

  private walk(binary: boolean): number {
    for (;;) {
      let type = this.pending;
      if (type < 0) {
        const f = this.frames[this.depth - 1]!;
        type = f.kind !== STRUCT ? this.nextElement(f) : binary ? this.binaryField() : this.compactField();
        if (type === INCOMPLETE) return -1;
        if (type === STOP) {
          if (this.pop()) return this.pos;
          continue;
        }
        if (type === NO_VALUE) continue;
      }
      this.pending = type;
      if (!(binary ? this.binaryValue(type) : this.compactValue(type))) return -1;
      this.pending = -1;
    }
  }

  /** Read a binary field header: the field's type, STOP, or INCOMPLETE. */
  private binaryField(): number {
    const pos = this.pos;
    if (pos >= this.b.length) return this.short(pos + 1);
    const type = this.b[pos]!;
    if (type === 0) {
      this.pos = pos + 1;
      return STOP;
    }
    if (pos + 3 > this.b.length) return this.short(pos + 3);
    this.pos = pos + 3;
    return type;
  }

  /** Read a compact field header: the field's type, STOP, NO_VALUE (a boolean), or INCOMPLETE. */
  private compactField(): number {
    let o = this.pos;
    if (o >= this.b.length) return this.short(o + 1);
    const head = this.b[o++]!;
    if (head === 0) {
      this.pos = o;
      return STOP;
    }
    if ((head & 0xf0) === 0) o = this.varintEnd(o); // long form: a zigzag i16 field id follows
    if (o < 0) return INCOMPLETE;
    this.pos = o;
    const type = head & 0x0f;
    return type === 1 || type === 2 ? NO_VALUE : type; // booleans live in the field header
  }

  /** The type of a list, set or map's next value, or STOP when it has none left. */
  private nextElement(f: Frame): number {
    if (f.remaining === 0) return STOP;
    f.remaining--;
    return f.kind === MAP && (f.remaining & 1) === 0 ? f.t2 : f.t1;
  }

  /** Read or enter one binary value at `pos`; false when the bytes end first. */
  private binaryValue(type: number): boolean {
    const { b, pos } = this;
    const fixed = BINARY_FIXED[type]!;
    if (fixed > 0) return this.skipTo(pos + fixed);
    switch (type) {
      case 11: return pos + 4 > b.length ? this.wait(pos + 4) : this.skipTo(pos + 4 + this.binarySize(pos));
      case 12: return this.push(STRUCT, 0, 0, 0);
      case 13: return pos + 6 > b.length ? this.wait(pos + 6) : this.container(pos + 6, MAP, this.binarySize(pos + 2), b[pos]!, b[pos + 1]!, BINARY_FIXED);
      case 14: case 15: return pos + 5 > b.length ? this.wait(pos + 5) : this.container(pos + 5, SEQUENCE, this.binarySize(pos + 1), b[pos]!, 0, BINARY_FIXED);
      default: throw badType(type);
    }
  }

  /** Read or enter one compact value at `pos`; false when the bytes end first. */
  private compactValue(type: number): boolean {
    const { b, pos } = this;
    const fixed = COMPACT_FIXED[type]!;
    if (fixed > 0) return this.skipTo(pos + fixed);
    switch (type) {
      case 4: case 5: case 6: {
        const end = this.varintEnd(pos);
        return end >= 0 && this.skipTo(end);
      }
      case 8: {
        const n = this.sizeVarint(pos);
        return n >= 0 && this.skipTo(this.varintNext + n);
      }
      case 12: return this.push(STRUCT, 0, 0, 0);
      case 9: case 10: {
        if (pos >= b.length) return this.wait(pos + 1);
        const head = b[pos]!;
        let count = head >> 4;
        let body = pos + 1;
        if (count === 15) {
          count = this.sizeVarint(body);
          if (count < 0) return false;
          body = this.varintNext;
        }
        return this.container(body, SEQUENCE, count, head & 0x0f, 0, COMPACT_FIXED);
      }
      case 11: {
        const count = this.sizeVarint(pos);
        if (count <= 0) return count === 0 && this.skipTo(this.varintNext);
        const kv = this.varintNext;
        if (kv >= b.length) return this.wait(kv + 1);
        return this.container(kv + 1, MAP, count, b[kv]! >> 4, b[kv]! & 0x0f, COMPACT_FIXED);
      }
      default: throw badType(type);
    }
  }

  /** A container whose elements start at `body`: skipped whole when every element has a fixed size, else entered. */
  private container(body: number, kind: number, count: number, t1: number, t2: number, fixed: Int8Array): boolean {
    const perItem = kind === MAP ? (fixed[t1]! > 0 && fixed[t2]! > 0 ? fixed[t1]! + fixed[t2]! : 0) : fixed[t1]!;
    if (perItem > 0 || count === 0) return this.skipTo(body + perItem * count);
    this.pos = body;
    return this.push(kind, kind === MAP ? 2 * count : count, t1, t2);
  }

  private push(kind: number, remaining: number, t1: number, t2: number): boolean {
    if (this.depth > this.maxDepth) throw new RpcError(Code.Internal, `thrift: nesting deeper than ${this.maxDepth}`);
    const f = this.frames[this.depth];
    if (f) {
      f.kind = kind; f.remaining = remaining; f.t1 = t1; f.t2 = t2;
    } else {
      this.frames.push({ kind, remaining, t1, t2 });
    }
    this.depth++;
    return true;
  }

  /** Leave the innermost frame; true when that was the outermost struct. */
  private pop(): boolean {
    return --this.depth === 0;
  }

  private skipTo(end: number): boolean {
    if (end > this.b.length) return this.wait(end);
    this.pos = end;
    return true;
  }

  /** Note how many bytes are needed; returns INCOMPLETE (-1). */
  private short(needed: number): -1 {
    this.needed = needed;
    return -1;
  }

  /** Note how many bytes are needed; returns false (what an incomplete value read returns). */
  private wait(needed: number): false {
    this.needed = needed;
    return false;
  }

  private binarySize(o: number): number {
    const b = this.b;
    const n = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
    if (n < 0) throw new RpcError(Code.Internal, `thrift: negative size ${n}`);
    return n;
  }

  /** Offset past a varint of up to 10 bytes at `o`, or -1 when the bytes end first. */
  private varintEnd(o: number): number {
    for (let i = 0; i < 10; i++) {
      if (o + i >= this.b.length) return this.short(o + i + 1);
      if ((this.b[o + i]! & 0x80) === 0) return o + i + 1;
    }
    throw new RpcError(Code.Internal, "thrift: varint longer than 10 bytes");
  }

  /** A size varint (at most 32 bits) at `o`, its end in `varintNext`; -1 when the bytes end first. */
  private sizeVarint(o: number): number {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      if (o + i >= this.b.length) return this.short(o + i + 1);
      const byte = this.b[o + i]!;
      v += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) {
        if (v > 0x7fffffff) throw new RpcError(Code.Internal, `thrift: size ${v} out of range`);
        this.varintNext = o + i + 1;
        return v;
      }
    }
    throw new RpcError(Code.Internal, "thrift: size varint longer than 5 bytes");
  }
}

function badType(type: number): RpcError {
  return new RpcError(Code.Internal, `thrift: unknown wire type ${type}`);
}
