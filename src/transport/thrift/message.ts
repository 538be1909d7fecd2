import { Code, RpcError } from "../../core/index.js";

/** The two Thrift protocols a transport can carry. */
export type ThriftProtocol = "binary" | "compact";

/** Thrift message types. */
export const MessageType = Object.freeze({ Call: 1, Reply: 2, Exception: 3, Oneway: 4 });

/** A Thrift message header; `bodyOffset` is where the struct after it starts. */
export interface MessageHeader {
  readonly protocol: ThriftProtocol;
  readonly name: string;
  readonly type: number;
  readonly seqId: number;
  readonly bodyOffset: number;
}

/** Longest method name accepted in a message header. Fixed at 64 KiB. */
const MAX_NAME = 0xffff;
const COMPACT_ID = 0x82;

/** The protocol a message starts with, or undefined: strict binary `80 01`, compact `82 x1`. */
export function sniffProtocol(bytes: Uint8Array, off = 0): ThriftProtocol | undefined {
  if (bytes.length - off < 2) return undefined;
  if (bytes[off] === 0x80 && bytes[off + 1] === 0x01) return "binary";
  if (bytes[off] === COMPACT_ID && (bytes[off + 1]! & 0x1f) === 1) return "compact";
  return undefined;
}

/**
 * Read a message header at `off`. Returns undefined when the bytes end before the header does;
 * throws an RpcError (INTERNAL) when they cannot be a strict binary or compact header.
 */
export function readMessageHeader(bytes: Uint8Array, off = 0): MessageHeader | undefined {
  const protocol = sniffProtocol(bytes, off);
  if (protocol === undefined) {
    if (bytes.length - off < 2) return undefined;
    throw new RpcError(Code.Internal, `thrift: not a strict binary or compact message (starts ${hex(bytes, off)})`);
  }
  return protocol === "binary" ? readBinaryHeader(bytes, off) : readCompactHeader(bytes, off);
}

function readBinaryHeader(b: Uint8Array, off: number): MessageHeader | undefined {
  if (b.length - off < 8) return undefined;
  const type = b[off + 3]! & 0x07;
  const nameLen = readU32(b, off + 4);
  if (nameLen > MAX_NAME) throw new RpcError(Code.Internal, `thrift: method name of ${nameLen} bytes`);
  const seqAt = off + 8 + nameLen;
  if (b.length < seqAt + 4) return undefined;
  const name = utf8(b, off + 8, nameLen);
  const seqId = readU32(b, seqAt) | 0;
  return { protocol: "binary", name, type, seqId, bodyOffset: seqAt + 4 };
}

function readCompactHeader(b: Uint8Array, off: number): MessageHeader | undefined {
  const type = (b[off + 1]! >> 5) & 0x07;
  const seq = readVarint(b, off + 2);
  if (seq === undefined) return undefined;
  const len = readVarint(b, seq.next);
  if (len === undefined) return undefined;
  if (len.value > MAX_NAME) throw new RpcError(Code.Internal, `thrift: method name of ${len.value} bytes`);
  if (b.length < len.next + len.value) return undefined;
  const name = utf8(b, len.next, len.value);
  return { protocol: "compact", name, type, seqId: seq.value | 0, bodyOffset: len.next + len.value };
}

/** Encode a message header (strict binary or compact). */
export function writeMessageHeader(protocol: ThriftProtocol, name: string, type: number, seqId: number): Buffer {
  const n = Buffer.byteLength(name);
  if (protocol === "binary") {
    const out = Buffer.allocUnsafe(12 + n);
    out[0] = 0x80; out[1] = 0x01; out[2] = 0; out[3] = type;
    out.writeUInt32BE(n, 4);
    out.write(name, 8, "utf8");
    out.writeInt32BE(seqId | 0, 8 + n);
    return out;
  }
  const out = Buffer.allocUnsafe(2 + 5 + 5 + n);
  out[0] = COMPACT_ID;
  out[1] = 0x01 | (type << 5);
  let o = writeVarint(out, 2, seqId >>> 0);
  o = writeVarint(out, o, n);
  o += out.write(name, o, "utf8");
  return out.subarray(0, o);
}

/** Unsigned LEB128 varint of at most 5 bytes (32 bits); undefined when the bytes end first. */
export function readVarint(b: Uint8Array, off: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (off + i >= b.length) return undefined;
    const byte = b[off + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value: value >>> 0, next: off + i + 1 };
  }
  throw new RpcError(Code.Internal, "thrift: varint longer than 5 bytes");
}

/** Write an unsigned LEB128 varint at `o`; returns the offset after it. */
export function writeVarint(out: Uint8Array, o: number, v: number): number {
  while (v >= 0x80) {
    out[o++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[o++] = v;
  return o;
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
}

function utf8(b: Uint8Array, off: number, n: number): string {
  return Buffer.from(b.buffer, b.byteOffset + off, n).toString("utf8");
}

function hex(b: Uint8Array, off: number): string {
  return Buffer.from(b.buffer, b.byteOffset + off, Math.min(8, b.length - off)).toString("hex");
}
