import { Code, RpcError } from "../../core/index.js";
import { TTHEADER_MAGIC, TTHEADER_MAX_LENGTH, TTHeaderInfo, TTHeaderProtocol } from "./keys.js";

/** What goes into a TTHeader frame besides the payload. Maps keep insertion order on encode. */
export interface TTHeaderMeta {
  /** FLAGS (u16). Default 0. */
  readonly flags?: number;
  /** SEQUENCE NUMBER (i32): the Thrift seq id of the call. */
  readonly seqId: number;
  /** PROTOCOL ID. Default 0 (Thrift binary), which Kitex writes for every ping-pong payload. */
  readonly protocolId?: number;
  /** INFO_INTKEYVALUE pairs (see `IntKey`). */
  readonly intInfo?: ReadonlyMap<number, string>;
  /** INFO_KEYVALUE pairs (see `StrKey`). */
  readonly strInfo?: ReadonlyMap<string, string>;
  /** ACL token, sent as info block 0x11. */
  readonly aclToken?: string | undefined;
}

/** A decoded TTHeader frame; `payload` is a view of the input, not a copy. */
export interface TTHeaderFrame {
  readonly flags: number;
  readonly seqId: number;
  readonly protocolId: number;
  readonly transforms: readonly number[];
  readonly intInfo: Map<number, string>;
  readonly strInfo: Map<string, string>;
  readonly aclToken: string | undefined;
  /** Bytes from the start of the frame to the payload: 14 + header size * 4. */
  readonly headerLength: number;
  readonly payload: Uint8Array;
}

const MAX_STRING = 0xffff;

/** True when `bytes` (at least 8 long) starts a TTHeader frame: u16 at offset 4 is 0x1000. */
export function isTTHeader(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === TTHEADER_MAGIC >> 8 && bytes[5] === 0;
}

/**
 * Encode one TTHeader frame: LENGTH, magic, flags, seq id, header size, then protocol id, no
 * transforms, [ACL block], [string block], [int block], zero padding, and the payload parts.
 * Empty maps write no block, as Kitex does.
 */
export function encodeTTHeader(meta: TTHeaderMeta, payload: Uint8Array | readonly Uint8Array[]): Buffer {
  const parts = payload instanceof Uint8Array ? [payload] : payload;
  let payloadLength = 0;
  for (const p of parts) payloadLength += p.byteLength;
  const info = infoSize(meta);
  const padded = info + ((4 - (info % 4)) % 4);
  const total = 14 + padded + payloadLength;
  if (total - 4 > TTHEADER_MAX_LENGTH) {
    throw new RpcError(Code.ResourceExhausted, `ttheader: frame of ${total} bytes exceeds the protocol maximum`);
  }
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32BE(total - 4, 0);
  out.writeUInt16BE(TTHEADER_MAGIC, 4);
  out.writeUInt16BE(meta.flags ?? 0, 6);
  out.writeInt32BE(meta.seqId | 0, 8);
  out.writeUInt16BE(padded / 4, 12);
  let o = writeInfo(out, 14, meta);
  out.fill(0, o, 14 + padded);
  o = 14 + padded;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** Bytes of the header info area before padding. */
function infoSize(meta: TTHeaderMeta): number {
  let n = 2;
  if (meta.aclToken !== undefined) n += 1 + 2 + strLen(meta.aclToken);
  if (meta.strInfo && meta.strInfo.size > 0) {
    n += 3;
    for (const [k, v] of meta.strInfo) n += 4 + strLen(k) + strLen(v);
  }
  if (meta.intInfo && meta.intInfo.size > 0) {
    n += 3;
    for (const v of meta.intInfo.values()) n += 4 + strLen(v);
  }
  return n;
}

/** Protocol id, no transforms, then the ACL, string and int blocks, in Kitex's order. */
function writeInfo(out: Buffer, o: number, meta: TTHeaderMeta): number {
  out[o++] = meta.protocolId ?? TTHeaderProtocol.ThriftBinary;
  out[o++] = 0;
  if (meta.aclToken !== undefined) {
    out[o++] = TTHeaderInfo.AclToken;
    o = writeStr(out, o, meta.aclToken);
  }
  if (meta.strInfo && meta.strInfo.size > 0) {
    out[o++] = TTHeaderInfo.KeyValue;
    out.writeUInt16BE(meta.strInfo.size, o);
    o += 2;
    for (const [k, v] of meta.strInfo) o = writeStr(out, writeStr(out, o, k), v);
  }
  if (meta.intInfo && meta.intInfo.size > 0) {
    out[o++] = TTHeaderInfo.IntKeyValue;
    out.writeUInt16BE(meta.intInfo.size, o);
    o += 2;
    for (const [k, v] of meta.intInfo) {
      out.writeUInt16BE(k, o);
      o = writeStr(out, o + 2, v);
    }
  }
  return o;
}

/**
 * Decode one whole TTHeader frame (including its 4-byte LENGTH). Throws an RpcError (INTERNAL)
 * naming what is wrong; never reads past the frame.
 */
export function decodeTTHeader(frame: Uint8Array): TTHeaderFrame {
  if (frame.length < 14) throw bad(`frame of ${frame.length} bytes is shorter than the 14-byte prefix`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const length = view.getUint32(0);
  if (view.getUint16(4) !== TTHEADER_MAGIC) throw bad("not TTHeader protocol");
  if (length > TTHEADER_MAX_LENGTH) throw bad(`LENGTH ${length} exceeds the protocol maximum`);
  if (length + 4 !== frame.length) throw bad(`LENGTH ${length} does not match the frame of ${frame.length} bytes`);
  const headerBytes = view.getUint16(12) * 4;
  if (headerBytes < 2) throw bad(`invalid header length[${headerBytes}]`);
  const end = 14 + headerBytes;
  if (end > frame.length) throw bad(`header of ${headerBytes} bytes runs past the frame`);
  const r = new InfoReader(frame, view, 14, end);
  const protocolId = r.u8();
  const transforms: number[] = [];
  for (let n = r.u8(); n > 0; n--) transforms.push(r.u8());
  const intInfo = new Map<number, string>();
  const strInfo = new Map<string, string>();
  let aclToken: string | undefined;
  while (r.off < end) {
    const id = r.u8();
    if (id === TTHeaderInfo.Padding) continue;
    if (id === TTHeaderInfo.KeyValue) {
      for (let n = r.u16(); n > 0; n--) strInfo.set(r.str(), r.str());
    } else if (id === TTHeaderInfo.IntKeyValue) {
      for (let n = r.u16(); n > 0; n--) intInfo.set(r.u16(), r.str());
    } else if (id === TTHeaderInfo.AclToken) {
      aclToken = r.str();
    } else {
      throw bad(`invalid infoIDType[${id}]`);
    }
  }
  return {
    flags: view.getUint16(6), seqId: view.getInt32(8), protocolId, transforms, intInfo, strInfo, aclToken,
    headerLength: end, payload: frame.subarray(end),
  };
}

/** Bounds-checked reads inside the header info area. */
class InfoReader {
  constructor(readonly buf: Uint8Array, readonly view: DataView, public off: number, readonly end: number) {}
  private need(n: number): void {
    if (this.off + n > this.end) throw bad(`header info truncated at offset ${this.off} (needs ${n} more bytes)`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.off++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.off);
    this.off += 2;
    return v;
  }
  str(): string {
    const n = this.u16();
    this.need(n);
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.off, n).toString("utf8");
    this.off += n;
    return s;
  }
}

function strLen(s: string): number {
  const n = Buffer.byteLength(s);
  if (n > MAX_STRING) throw new RpcError(Code.InvalidArgument, `ttheader: header string of ${n} bytes exceeds ${MAX_STRING}`);
  return n;
}

function writeStr(out: Buffer, o: number, s: string): number {
  const n = out.write(s, o + 2, "utf8");
  out.writeUInt16BE(n, o);
  return o + 2 + n;
}

function bad(message: string): RpcError {
  return new RpcError(Code.Internal, `ttheader: ${message}`);
}
