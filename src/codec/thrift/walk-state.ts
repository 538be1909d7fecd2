import type { RpcError } from "../../core/index.js";
import { BINARY_MIN_SIZE, COMPACT_MIN_SIZE } from "./wire.js";

/**
 * How a walk's caller words each fault: the codec's skip answers INVALID_ARGUMENT, the unframed
 * transport INTERNAL, each with its own messages. @internal
 */
export interface WalkErrors {
  /** Only a walk over complete bytes ({@link StructWalk.skip}) reports this. */
  truncated(): RpcError;
  /** A size that is negative, above 2^31-1, or (over complete bytes) larger than the bytes left. */
  badSize(size: number, remaining: number): RpcError;
  badType(type: number): RpcError;
  tooDeep(maxDepth: number): RpcError;
  /** A varint of more than `maxBytes` bytes: 5 for sizes, 10 for integers and field ids. */
  longVarint(maxBytes: number): RpcError;
}

/** What reading a field header or a container slot gives besides a type. */
export const INCOMPLETE = -1;
export const STOP = -2;
export const NO_VALUE = -3;
export const DONE = -4;
export const FIELD = -5;

export const STRUCT = 0;
export const SEQUENCE = 1;
export const MAP = 2;
/** The struct type id, the same in both protocols. */
export const STRUCT_TYPE = 12;

/** A struct, list, set or map the walk is inside; `remaining` counts values (keys and values for maps). */
interface Frame { kind: number; remaining: number; t1: number; t2: number }

/** Sizes of fixed-size types, by type id; 0 for the others. */
function fixedSizes(sizes: Record<number, number>): Int8Array {
  const table = new Int8Array(256);
  for (const [t, n] of Object.entries(sizes)) table[Number(t)] = n;
  return table;
}
export const BINARY_FIXED = fixedSizes({ 2: 1, 3: 1, 4: 8, 6: 2, 8: 4, 10: 8, 16: 16 });
export const COMPACT_FIXED = fixedSizes({ 1: 1, 2: 1, 3: 1, 7: 8, 13: 16 });
/** Fewest bytes a value takes, by type id; 0 for ids that are no type. */
export const BINARY_MIN = Int8Array.from({ length: 256 }, (_, t) => BINARY_MIN_SIZE[t] ?? 0);
export const COMPACT_MIN = Int8Array.from({ length: 256 }, (_, t) => COMPACT_MIN_SIZE[t] ?? 0);
export const EMPTY: Uint8Array = Buffer.alloc(0);

/**
 * What a walk knows between steps, and the steps that do not depend on the protocol: entering
 * containers, passing over bytes, waiting for more, reading varints. {@link StructWalk} adds the
 * protocols. @internal
 */
export abstract class WalkState {
  /** Bytes the walk needs before it can take another step. */
  needed = 0;
  protected binary = true;
  /** Offset of the next field header or value. */
  protected pos = 0;
  /**
   * Type of the value at `pos` when its header (field or container slot) was read already; -1
   * when none. Cleared where a value ends: its bytes passed (`skipTo`, `sized`) or entered (`push`).
   */
  protected pending = -1;
  protected readonly frames: Frame[] = [];
  protected depth = 0;
  /** Containers may nest this deep (`maxDepth` less the depth a skip starts at). */
  protected limit: number;
  protected b: Uint8Array = EMPTY;
  protected end = 0;
  /** The bytes are complete: running out is a fault, not a wait. */
  protected complete = false;
  /** Offset after the last size varint read (compact). */
  protected varintNext = 0;

  constructor(protected readonly errors: WalkErrors, protected maxDepth = 64) {
    this.limit = maxDepth;
  }

  /**
   * The type of the next value; DONE; FIELD when a field header is next; STOP when a container
   * has just ended (nothing to read: ask again).
   */
  protected nextType(): number {
    if (this.pending >= 0) return this.pending;
    if (this.depth === 0) return DONE;
    const f = this.frames[this.depth - 1]!;
    if (f.kind === STRUCT) return FIELD;
    if (f.remaining === 0) {
      this.depth--;
      return STOP;
    }
    f.remaining--;
    return (this.pending = f.kind === MAP && (f.remaining & 1) === 0 ? f.t2 : f.t1);
  }

  /**
   * A container whose elements start at `body`: passed over whole when every element has a fixed
   * size, else entered once the bytes could hold `count` of its smallest elements.
   */
  protected container(body: number, kind: number, count: number, t1: number, t2: number, fixed: Int8Array, min: Int8Array): boolean {
    if (count === 0) return this.skipTo(body);
    const isMap = kind === MAP;
    const perItem = isMap ? (fixed[t1]! > 0 && fixed[t2]! > 0 ? fixed[t1]! + fixed[t2]! : 0) : fixed[t1]!;
    if (perItem > 0) return this.sized(body, count, perItem);
    const least = isMap ? min[t1]! + min[t2]! : min[t1]!;
    if (body + count * least > this.end) return this.sized(body, count, least);
    this.pos = body;
    return this.push(kind, isMap ? 2 * count : count, t1, t2);
  }

  protected push(kind: number, remaining: number, t1: number, t2: number): boolean {
    if (this.depth > this.limit) throw this.errors.tooDeep(this.maxDepth);
    const f = this.frames[this.depth];
    if (f) {
      f.kind = kind; f.remaining = remaining; f.t1 = t1; f.t2 = t2;
    } else {
      this.frames.push({ kind, remaining, t1, t2 });
    }
    this.depth++;
    this.pending = -1;
    return true;
  }

  protected skipTo(end: number): boolean {
    if (end > this.end) return this.wait(end);
    this.pos = end;
    this.pending = -1;
    return true;
  }

  /** Pass over `count` items of at least `each` bytes at `body`; over complete bytes, too few is a bad size. */
  protected sized(body: number, count: number, each: number): boolean {
    const end = body + count * each;
    if (end <= this.end) {
      this.pos = end;
      this.pending = -1;
      return true;
    }
    if (this.complete) throw this.errors.badSize(count, this.end - body);
    return this.wait(end);
  }

  /** Note how many bytes are needed; returns INCOMPLETE (-1). */
  protected short(needed: number): -1 {
    this.wait(needed);
    return -1;
  }

  /** Note how many bytes are needed; returns false (what an incomplete value read returns). */
  protected wait(needed: number): false {
    if (this.complete) throw this.errors.truncated();
    this.needed = needed;
    return false;
  }

  /** Offset past a varint of up to 10 bytes at `o`, or -1 when the bytes end first. */
  protected varintEnd(o: number): number {
    for (let i = 0; i < 10; i++) {
      if (o + i >= this.end) return this.short(o + i + 1);
      if ((this.b[o + i]! & 0x80) === 0) return o + i + 1;
    }
    throw this.errors.longVarint(10);
  }

  /** A size varint (at most 2^31-1) at `o`, its end in `varintNext`; -1 when the bytes end first. */
  protected sizeVarint(o: number): number {
    let v = 0;
    for (let shift = 0, p = o; shift < 35; shift += 7, p++) {
      if (p >= this.end) return this.short(p + 1);
      const c = this.b[p]!;
      if (shift === 28) return this.lastSizeByte(v, c, p + 1);
      v |= (c & 0x7f) << shift;
      if (c < 0x80) {
        this.varintNext = p + 1;
        return v;
      }
    }
    return -1; // not reached: the fifth byte ends the loop
  }

  /** The fifth byte `c` of a size varint whose first four gave `low`. */
  protected lastSizeByte(low: number, c: number, next: number): number {
    if (c >= 0x80) throw this.errors.longVarint(5);
    const v = low + c * 2 ** 28;
    if (v > 0x7fffffff) throw this.errors.badSize(v, this.end - next);
    this.varintNext = next;
    return v;
  }
}
