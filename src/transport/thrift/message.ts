import { scanMessageHeader, type HeaderErrors, type ThriftMessageHeaderAt } from "../../codec/thrift/message.js";
import type { ThriftProtocol } from "../../codec/thrift/struct-codec.js";
import { asBuffer } from "../../codec/thrift/writer.js";
import { Code, RpcError } from "../../core/index.js";

/** The two Thrift protocols a transport can carry. */
export type { ThriftProtocol };

/** Thrift message types. */
export const MessageType = Object.freeze({ Call: 1, Reply: 2, Exception: 3, Oneway: 4 });

/** A Thrift message header; `bodyOffset` is where the struct after it starts. */
export type MessageHeader = ThriftMessageHeaderAt;

const COMPACT_ID = 0x82;

/** The transports' wording of a bad header: INTERNAL, as the connection cannot go on. */
const TRANSPORT_HEADER_ERRORS: HeaderErrors = Object.freeze({
  notAMessage: (b: Buffer, off: number) => new RpcError(Code.Internal, `thrift: not a strict binary or compact message (starts ${hex(b, off)})`),
  nameTooLong: (n: number) => new RpcError(Code.Internal, `thrift: method name of ${n} bytes`),
  badVarint: (detail: string) => new RpcError(Code.Internal, `thrift: ${detail}`),
});

/**
 * Read a message header at `off` (the codec's reader). Returns undefined when the bytes end before
 * the header does; throws an RpcError (INTERNAL) when they cannot be a strict binary or compact header.
 */
export function readMessageHeader(bytes: Uint8Array, off = 0): MessageHeader | undefined {
  return scanMessageHeader(asBuffer(bytes), off, bytes.length, TRANSPORT_HEADER_ERRORS);
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

function hex(b: Uint8Array, off: number): string {
  return Buffer.from(b.buffer, b.byteOffset + off, Math.min(8, b.length - off)).toString("hex");
}
