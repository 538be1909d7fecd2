import { Code, RpcError } from "../../core/index.js";
import { rutf8, wutf8, wvar32 } from "./bytes.js";
import { badI64, truncated } from "./errors.js";
import type { ThriftProtocol, ThriftStructCodec } from "./struct-codec.js";
import { asBuffer, ThriftReader, ThriftWriter } from "./writer.js";

/** Thrift message types. */
export const ThriftMessageType = Object.freeze({ Call: 1, Reply: 2, Exception: 3, Oneway: 4 });

export interface ThriftMessageHeader {
  readonly name: string;
  /** 1 CALL, 2 REPLY, 3 EXCEPTION, 4 ONEWAY. */
  readonly type: number;
  readonly seqId: number;
}

/** Longest method name read from a message header. 64 KiB. */
export const MAX_METHOD_NAME_BYTES = 0xffff;

/**
 * Append a message header: strict binary `80 01 00 <type>` + u32 name length + name + i32 seq id;
 * compact `82` + `(type << 5) | 1` + varint seq id + varint name length + name.
 */
export function writeMessageHeader(w: ThriftWriter, protocol: ThriftProtocol, h: ThriftMessageHeader): void {
  w.grow(13 + h.name.length * 3);
  const b = w.b;
  let p = w.p;
  if (protocol === "binary") {
    b[p] = 0x80; b[p + 1] = 0x01; b[p + 2] = 0; b[p + 3] = h.type;
    const n = wutf8(b, p + 8, h.name);
    b.writeUInt32BE(n, p + 4);
    b.writeInt32BE(h.seqId | 0, p + 8 + n);
    w.p = p + 12 + n;
    return;
  }
  b[p++] = 0x82;
  b[p++] = ((h.type & 7) << 5) | 1;
  p = wvar32(b, p, h.seqId >>> 0);
  const bytes = Buffer.from(h.name, "utf8");
  p = wvar32(b, p, bytes.length);
  b.set(bytes, p);
  w.p = p + bytes.length;
}

/** A message header and the offset of the struct that follows it. */
export interface ThriftMessageHeaderAt extends ThriftMessageHeader {
  readonly protocol: ThriftProtocol;
  readonly bodyOffset: number;
}

/**
 * How a caller of {@link scanMessageHeader} words each fault: the codec answers INVALID_ARGUMENT,
 * the transports INTERNAL, each with its own messages. @internal
 */
export interface HeaderErrors {
  notAMessage(b: Buffer, off: number, expected: ThriftProtocol | undefined): RpcError;
  nameTooLong(bytes: number): RpcError;
  badVarint(detail: string): RpcError;
}

/**
 * The one reader of message headers: the header at `off` in `b[..end]` (the protocol is detected
 * from the first bytes and must be `expected` when given). Returns undefined when the bytes end
 * before the header does, so that a transport can wait for more; throws what `errors` makes when
 * the bytes cannot be a header. @internal
 */
export function scanMessageHeader(b: Buffer, off: number, end: number, errors: HeaderErrors, expected?: ThriftProtocol): ThriftMessageHeaderAt | undefined {
  if (end - off < 2) return undefined;
  const first = b[off]!, second = b[off + 1]!;
  const found: ThriftProtocol | undefined = first === 0x80 && second === 0x01 ? "binary" : first === 0x82 && (second & 0x1f) === 1 ? "compact" : undefined;
  if (found === undefined || (expected !== undefined && found !== expected)) throw errors.notAMessage(b, off, expected);
  return found === "binary" ? binaryHeader(b, off, end, errors) : compactHeader(b, off, end, errors);
}

/** `80 01 00 <type>`, u32 name length, name, i32 seq id. */
function binaryHeader(b: Buffer, off: number, end: number, errors: HeaderErrors): ThriftMessageHeaderAt | undefined {
  if (end - off < 8) return undefined;
  const n = b.readUInt32BE(off + 4);
  if (n > MAX_METHOD_NAME_BYTES) throw errors.nameTooLong(n);
  const seqAt = off + 8 + n;
  if (seqAt + 4 > end) return undefined;
  return { protocol: "binary", name: rutf8(b, off + 8, n), type: b[off + 3]! & 7, seqId: b.readInt32BE(seqAt), bodyOffset: seqAt + 4 };
}

/** `82`, `(type << 5) | 1`, varint seq id, varint name length, name. */
function compactHeader(b: Buffer, off: number, end: number, errors: HeaderErrors): ThriftMessageHeaderAt | undefined {
  const seqId = varint32(b, off + 2, end, errors);
  if (seqId < 0) return undefined;
  const n = varint32(b, varintEnd, end, errors);
  if (n < 0) return undefined;
  if (n > MAX_METHOD_NAME_BYTES) throw errors.nameTooLong(n);
  const at = varintEnd;
  if (at + n > end) return undefined;
  return { protocol: "compact", name: rutf8(b, at, n), type: (b[off + 1]! >> 5) & 7, seqId: seqId | 0, bodyOffset: at + n };
}

/** Where the last varint read by `varint32` ended (saves returning a pair). */
let varintEnd = 0;

/** An unsigned varint of at most 32 bits at `p`, its end in `varintEnd`; -1 when the bytes end first. */
function varint32(b: Buffer, p: number, end: number, errors: HeaderErrors): number {
  let v = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (p >= end) return -1;
    const c = b[p++]!;
    if (shift === 28 && c > 15) throw errors.badVarint(c >= 128 ? "varint longer than 5 bytes" : "varint does not fit in 32 bits");
    v |= (c & 127) << shift;
    if (c < 128) {
      varintEnd = p;
      return v >>> 0;
    }
  }
  return -1; // not reached: the fifth byte ends the varint or throws
}

/** The codec's wording: every fault, a truncation included, is INVALID_ARGUMENT. */
const CODEC_HEADER_ERRORS: HeaderErrors = Object.freeze({
  notAMessage: (b: Buffer, off: number, expected: ThriftProtocol | undefined) =>
    new RpcError(Code.InvalidArgument, `not a strict ${expected ?? "binary or compact"} Thrift message (starts 0x${b.subarray(off, off + 4).toString("hex")})`),
  nameTooLong: (n: number) => new RpcError(Code.InvalidArgument, `Thrift message header names a method of ${n} bytes (limit ${MAX_METHOD_NAME_BYTES})`),
  badVarint: (detail: string) => badI64(HEADER, detail),
});
const HEADER = "a message header";

/**
 * Read a message header at `r.p` (the protocol is detected from the first byte unless given);
 * leaves `r.p` at the struct that follows. Bad or truncated headers: RpcError INVALID_ARGUMENT.
 */
export function readMessageHeader(r: ThriftReader, protocol?: ThriftProtocol): ThriftMessageHeader & { protocol: ThriftProtocol } {
  const h = scanMessageHeader(r.b, r.p, r.e, CODEC_HEADER_ERRORS, protocol);
  if (h === undefined) throw truncated(HEADER);
  r.p = h.bodyOffset;
  return { protocol: h.protocol, name: h.name, type: h.type, seqId: h.seqId };
}

/** One whole message: header then struct, in one buffer. */
export function encodeMessage<T>(codec: ThriftStructCodec<T>, header: ThriftMessageHeader, value: T): Uint8Array {
  const w = new ThriftWriter(256);
  writeMessageHeader(w, codec.protocol, header);
  codec.write(w, value);
  return w.finish();
}

/** Read a message's header; the struct starts at `bodyOffset`. Bad or truncated headers: RpcError INVALID_ARGUMENT. */
export function decodeMessageHeader(bytes: Uint8Array, protocol?: ThriftProtocol): ThriftMessageHeaderAt {
  const h = scanMessageHeader(asBuffer(bytes), 0, bytes.length, CODEC_HEADER_ERRORS, protocol);
  if (h === undefined) throw truncated(HEADER);
  return h;
}
