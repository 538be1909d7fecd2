import { Code, RpcError } from "../../core/index.js";
import { measureStruct } from "./measure.js";
import { readMessageHeader } from "./message.js";
import { hex, readU32, type RawUnit, type WireKind } from "./wire.js";

/**
 * Cuts a Thrift byte stream into units (one message each, with its envelope), telling the
 * envelope apart per unit as Kitex and Apache THeader servers do:
 * - first byte `80` (strict binary) or `82` (compact): an unframed ("buffered") message, whose end
 *   is found by walking the struct;
 * - else a u32 LENGTH, then at offset 4: `10 00` TTHeader, `0f ff` THeader, `80 01` framed binary,
 *   `82` framed compact.
 * A unit larger than `maxUnitBytes` throws RESOURCE_EXHAUSTED; unknown bytes throw INVALID_ARGUMENT.
 * Chunks are joined once per unit, when enough bytes have arrived.
 */
export class UnitReader {
  private chunks: Buffer[] = [];
  private total = 0;
  /** Don't look again before this many bytes are buffered. */
  private need = 1;

  constructor(private readonly maxUnitBytes: number, private readonly maxDepth = 64) {}

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
    const rest = buf.subarray(cut.length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.total = rest.length;
    return { kind: cut.kind, bytes: buf.subarray(0, cut.length) };
  }

  private flat(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.total)];
    return this.chunks[0]!;
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
    const header = readMessageHeader(b, 0);
    const end = header ? measureStruct(header.protocol, b, header.bodyOffset, this.maxDepth) : -1;
    if (end > this.maxUnitBytes || (end < 0 && b.length >= this.maxUnitBytes)) {
      throw new RpcError(Code.ResourceExhausted, `thrift: unframed message longer than the limit of ${this.maxUnitBytes} bytes`);
    }
    return end < 0 ? b.length + 1 : { kind: "buffered", length: end };
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
