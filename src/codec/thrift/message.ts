import { Code, RpcError } from "../../core/index.js";
import { rutf8, rvar32, wutf8, wvar32 } from "./bytes.js";
import { truncated } from "./errors.js";
import type { ThriftProtocol, ThriftStructCodec } from "./struct-codec.js";
import { ThriftReader, ThriftWriter } from "./writer.js";

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

/**
 * Read a message header at `r.p` (the protocol is detected from the first byte unless given);
 * leaves `r.p` at the struct that follows. Bad or truncated headers: RpcError INVALID_ARGUMENT.
 */
export function readMessageHeader(r: ThriftReader, protocol?: ThriftProtocol): ThriftMessageHeader & { protocol: ThriftProtocol } {
  if (r.p + 2 > r.e) throw truncated("a message header");
  const b = r.b;
  const first = b[r.p]!, second = b[r.p + 1]!;
  const found: ThriftProtocol | undefined = first === 0x80 && second === 0x01 ? "binary" : first === 0x82 && (second & 0x1f) === 1 ? "compact" : undefined;
  if (!found || (protocol && found !== protocol)) {
    throw new RpcError(Code.InvalidArgument, `not a strict ${protocol ?? "binary or compact"} Thrift message (starts 0x${b.subarray(r.p, r.p + 4).toString("hex")})`);
  }
  if (found === "binary") {
    if (r.p + 8 > r.e) throw truncated("a message header");
    const type = b[r.p + 3]! & 7;
    const n = b.readUInt32BE(r.p + 4);
    if (n > MAX_METHOD_NAME_BYTES || r.p + 12 + n > r.e) throw badName(n, r);
    const name = rutf8(b, r.p + 8, n);
    const seqId = b.readInt32BE(r.p + 8 + n);
    r.p += 12 + n;
    return { protocol: found, name, type, seqId };
  }
  const type = (second >> 5) & 7;
  r.p += 2;
  const seqId = rvar32(r, "a message header") | 0;
  const n = rvar32(r, "a message header");
  if (n > MAX_METHOD_NAME_BYTES || r.p + n > r.e) throw badName(n, r);
  const name = rutf8(b, r.p, n);
  r.p += n;
  return { protocol: found, name, type, seqId };
}

function badName(n: number, r: ThriftReader): RpcError {
  return n > MAX_METHOD_NAME_BYTES
    ? new RpcError(Code.InvalidArgument, `Thrift message header names a method of ${n} bytes (limit ${MAX_METHOD_NAME_BYTES})`)
    : truncated("a message header");
}

/** One whole message: header then struct, in one buffer. */
export function encodeMessage<T>(codec: ThriftStructCodec<T>, header: ThriftMessageHeader, value: T): Uint8Array {
  const w = new ThriftWriter(256);
  writeMessageHeader(w, codec.protocol, header);
  codec.write(w, value);
  return w.finish();
}

/** Read a message's header; the struct starts at `bodyOffset`. */
export function decodeMessageHeader(bytes: Uint8Array, protocol?: ThriftProtocol): ThriftMessageHeader & { protocol: ThriftProtocol; bodyOffset: number } {
  const r = new ThriftReader(bytes);
  const h = readMessageHeader(r, protocol);
  return { ...h, bodyOffset: r.p };
}
