import { StructWalk, type WalkErrors } from "../../codec/thrift/struct-walk.js";
import { Code, RpcError } from "../../core/index.js";
import { readMessageHeader } from "./message.js";
import { hex, readU32, type RawUnit, type WireKind } from "./wire.js";

/** How the walk of an unframed message words a fault: INTERNAL, as the connection cannot go on. */
export const UNFRAMED_WALK_ERRORS: WalkErrors = Object.freeze({
  truncated: () => new RpcError(Code.Internal, "thrift: message ends early"), // a resumed walk waits instead
  badSize: (size: number) => new RpcError(Code.Internal, size < 0 ? `thrift: negative size ${size}` : `thrift: size ${size} out of range`),
  badType: (type: number) => new RpcError(Code.Internal, `thrift: unknown wire type ${type}`),
  tooDeep: (maxDepth: number) => new RpcError(Code.Internal, `thrift: nesting deeper than ${maxDepth}`),
  longVarint: (maxBytes: number) => new RpcError(Code.Internal, `thrift: ${maxBytes === 5 ? "size " : ""}varint longer than ${maxBytes} bytes`),
});

/**
 * Cuts a Thrift byte stream into units (one message each, with its envelope), telling the
 * envelope apart per unit as Kitex and Apache THeader servers do:
 * - first byte `80` (strict binary) or `82` (compact): an unframed ("buffered") message, whose end
 *   is found by walking the struct;
 * - else a u32 LENGTH, then at offset 4: `10 00` TTHeader, `0f ff` THeader, `80 01` framed binary,
 *   `82` framed compact.
 * A unit larger than `maxUnitBytes` throws RESOURCE_EXHAUSTED; unknown bytes throw INVALID_ARGUMENT.
 * The work per unit is linear in its size however it is cut into chunks: a unit that arrives whole
 * is handed out without a copy; a framed unit is joined once, when its last byte is in; an unframed
 * one is gathered in a buffer that doubles as it grows, and its walk resumes where it stopped.
 */
export class UnitReader {
  private chunks: Buffer[] = [];
  private total = 0;
  /** Don't look again before this many bytes are buffered. */
  private need = 1;
  /** Finds where unframed messages end; `walking` while one is being gathered. */
  private readonly walk: StructWalk;
  private walking = false;
  /** Where an unframed message being gathered is kept, with room to grow; `chunks[0]` is its start. */
  private store: Buffer | undefined;

  constructor(private readonly maxUnitBytes: number, maxDepth = 64) {
    this.walk = new StructWalk(UNFRAMED_WALK_ERRORS, maxDepth);
  }

  /** Bytes received and not yet handed out. */
  get buffered(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The next whole unit, or undefined until more bytes arrive. */
  next(): RawUnit | undefined {
    if (this.total < this.need) return undefined;
    const buf = this.flat();
    const cut = this.cut(buf);
    if (typeof cut === "number") {
      this.need = cut;
      return undefined;
    }
    this.need = 1;
    this.walking = false;
    this.store = undefined;
    const rest = buf.subarray(cut.length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.total = rest.length;
    return { kind: cut.kind, bytes: buf.subarray(0, cut.length) };
  }

  /** The buffered bytes as one Buffer. */
  private flat(): Buffer {
    const { chunks, store } = this;
    if (chunks.length === 1) return chunks[0]!;
    const head = chunks[0]!;
    if (store !== undefined && head.buffer === store.buffer && head.byteOffset === store.byteOffset && store.length >= this.total) {
      return this.append(store, head.length, 1);
    }
    // An unframed message is joined again each time more of it arrives: leave room to grow into.
    const unframed = head[0] === 0x80 || head[0] === 0x82;
    const size = unframed ? Math.max(this.total, Math.min(2 * this.total, this.maxUnitBytes + 8)) : this.total;
    return this.append(Buffer.allocUnsafe(size), 0, 0);
  }

  /** Copy `chunks[from..]` into `store` after its first `used` bytes; they become the only chunk. */
  private append(store: Buffer, used: number, from: number): Buffer {
    for (let i = from; i < this.chunks.length; i++) {
      store.set(this.chunks[i]!, used);
      used += this.chunks[i]!.length;
    }
    const joined = store.subarray(0, used);
    this.chunks = [joined];
    this.store = store;
    return joined;
  }

  /** A unit's kind and length, or how many bytes to wait for. */
  private cut(b: Buffer): { kind: WireKind; length: number } | number {
    if (b[0] === 0x80 || b[0] === 0x82) return this.unframed(b);
    if (b.length < 8) return 8;
    const kind = envelopeKind(b);
    if (!kind) throw new RpcError(Code.InvalidArgument, `thrift: unknown protocol (first bytes 0x${hex(b, 0, 8)})`);
    const length = readU32(b, 0) + 4;
    if (length - 4 > this.maxUnitBytes) {
      throw new RpcError(Code.ResourceExhausted, `thrift: frame of ${length - 4} bytes exceeds the limit of ${this.maxUnitBytes} bytes`);
    }
    return b.length >= length ? { kind, length } : length;
  }

  private unframed(b: Buffer): { kind: WireKind; length: number } | number {
    if (!this.walking) {
      const header = readMessageHeader(b, 0);
      if (header) this.walk.start(header.protocol, header.bodyOffset);
      this.walking = header !== undefined;
    }
    const end = this.walking ? this.walk.resume(b) : -1;
    const atLeast = end >= 0 ? end : Math.max(this.walking ? this.walk.needed : 0, b.length + 1);
    if (atLeast > this.maxUnitBytes) {
      throw new RpcError(Code.ResourceExhausted, `thrift: unframed message longer than the limit of ${this.maxUnitBytes} bytes`);
    }
    return end < 0 ? atLeast : { kind: "buffered", length: end };
  }
}

/** The envelope of a length-prefixed unit, from the bytes at offset 4. */
export function envelopeKind(b: Uint8Array): WireKind | undefined {
  if (b[4] === 0x10 && b[5] === 0x00) return "ttheader";
  if (b[4] === 0x0f && b[5] === 0xff) return "theader";
  if (b[4] === 0x80 && b[5] === 0x01) return "framed";
  if (b[4] === 0x82 && ((b[5] ?? 0) & 0x1f) === 1) return "framed";
  return undefined;
}
