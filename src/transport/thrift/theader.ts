import { promisify } from "node:util";
import zlib from "node:zlib";
import { Code, RpcError } from "../../core/index.js";
import { readVarint, writeVarint } from "./message.js";

/** The u16 at offset 4 of an Apache THeader frame. */
export const THEADER_MAGIC = 0x0fff;
/** THeader protocol ids. */
export const THeaderProtocolId = Object.freeze({ Binary: 0x00, Compact: 0x02 });
/** THeader transform ids; only zlib is supported. */
export const THeaderTransform = Object.freeze({ Zlib: 0x01 });
const INFO_KEYVALUE = 0x01;
const INFO_PKEYVALUE = 0x02;

/** What goes into a THeader frame besides the payload. */
export interface THeaderMeta {
  /** FLAGS (u16). Default 0. */
  readonly flags?: number;
  readonly seqId: number;
  /** 0 binary, 2 compact. */
  readonly protocolId: number;
  /** Transform ids applied to the payload in order (1 = zlib). Default none. */
  readonly transforms?: readonly number[];
  /** Key-value info headers. */
  readonly headers?: ReadonlyMap<string, string>;
}

/** A decoded THeader frame. */
export interface THeaderFrame {
  readonly flags: number;
  readonly seqId: number;
  readonly protocolId: number;
  readonly transforms: readonly number[];
  readonly headers: Map<string, string>;
  /** The payload with every transform undone. */
  readonly payload: Uint8Array;
}

/** True when the u16 at offset 4 is the THeader magic. */
export function isTHeader(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && bytes[4] === 0x0f && bytes[5] === 0xff;
}

/** Encode one THeader frame (including its 4-byte LENGTH), applying the transforms to the payload. */
export function encodeTHeader(meta: THeaderMeta, payload: Uint8Array): Buffer {
  return frameTHeader(meta, checkTransforms(meta.transforms ?? []).length > 0 ? zlib.deflateSync(payload) : payload);
}

/**
 * `encodeTHeader`, with a payload of 32 KiB or more compressed on the thread pool rather than on
 * the event loop.
 */
export async function encodeTHeaderAsync(meta: THeaderMeta, payload: Uint8Array): Promise<Buffer> {
  if (checkTransforms(meta.transforms ?? []).length === 0) return frameTHeader(meta, payload);
  return frameTHeader(meta, payload.byteLength < SYNC_DEFLATE_BYTES ? zlib.deflateSync(payload) : await deflate(payload));
}

const deflate = promisify(zlib.deflate);
const inflate = promisify(zlib.inflate);
/** Below this size a payload is compressed on the event loop: cheaper than a trip to the thread pool. */
const SYNC_DEFLATE_BYTES = 32 << 10;
/** A payload is first inflated on the event loop up to this many bytes; a larger one goes to the thread pool. */
const SYNC_INFLATE_BYTES = 64 << 10;

/** Transforms are zlib, listed once: a payload deflated twice would inflate past any bound from a few bytes. */
function checkTransforms(transforms: readonly number[]): readonly number[] {
  for (const t of transforms) {
    if (t !== THeaderTransform.Zlib) throw new RpcError(Code.Unimplemented, `theader: unsupported transform ${t}`);
  }
  if (transforms.length > 1) throw new RpcError(Code.InvalidArgument, `theader: transform zlib listed ${transforms.length} times; once is the most`);
  return transforms;
}

/** The frame around a payload already transformed. */
function frameTHeader(meta: THeaderMeta, payload: Uint8Array): Buffer {
  const transforms = meta.transforms ?? [];
  const info: Buffer[] = [];
  let infoLen = 0;
  const push = (b: Buffer) => { info.push(b); infoLen += b.length; };
  push(varints([meta.protocolId, transforms.length, ...transforms]));
  if (meta.headers && meta.headers.size > 0) {
    push(varints([INFO_KEYVALUE, meta.headers.size]));
    for (const [k, v] of meta.headers) for (const s of [k, v]) {
      const b = Buffer.from(s, "utf8");
      push(varints([b.length]));
      push(b);
    }
  }
  const padded = infoLen + ((4 - (infoLen % 4)) % 4);
  if (padded / 4 > 0xffff) throw new RpcError(Code.InvalidArgument, `theader: headers of ${padded} bytes are too large`);
  const out = Buffer.alloc(14 + padded + payload.length);
  out.writeUInt32BE(out.length - 4, 0);
  out.writeUInt16BE(THEADER_MAGIC, 4);
  out.writeUInt16BE(meta.flags ?? 0, 6);
  out.writeInt32BE(meta.seqId | 0, 8);
  out.writeUInt16BE(padded / 4, 12);
  let o = 14;
  for (const b of info) { out.set(b, o); o += b.length; }
  out.set(payload, 14 + padded);
  return out;
}

/**
 * Decode one whole THeader frame (including LENGTH); a zlib payload is inflated, on the event loop,
 * up to `maxPayloadBytes` (default 16 MiB). Malformed frames throw an RpcError. A server uses
 * `readTHeader` and `inflateTHeader` instead, to inflate off the event loop.
 */
export function decodeTHeader(frame: Uint8Array, maxPayloadBytes = 16 << 20): THeaderFrame {
  const th = readTHeader(frame);
  if (th.transforms.length === 0) return th;
  try {
    return { ...th, payload: zlib.inflateSync(th.payload, { maxOutputLength: maxPayloadBytes }) };
  } catch (e) {
    throw zlibError(e, maxPayloadBytes);
  }
}

/**
 * Read one whole THeader frame (including LENGTH) without undoing its transforms: `payload` is as
 * it came (compressed when `transforms` lists zlib). Malformed frames, unknown transforms and
 * transforms listed more than once throw an RpcError.
 */
export function readTHeader(frame: Uint8Array): THeaderFrame {
  if (frame.length < 14) throw bad(`frame of ${frame.length} bytes is shorter than the 14-byte prefix`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint16(4) !== THEADER_MAGIC) throw bad("not a THeader frame");
  if (view.getUint32(0) + 4 !== frame.length) throw bad(`LENGTH ${view.getUint32(0)} does not match the frame of ${frame.length} bytes`);
  const end = 14 + view.getUint16(12) * 4;
  if (end > frame.length) throw bad("header size is larger than the frame");
  const c = new Cursor(frame, 14, end);
  const protocolId = c.varint();
  const transforms: number[] = [];
  for (let n = c.varint(); n > 0; n--) {
    transforms.push(c.varint());
    checkTransforms(transforms);
  }
  const headers = new Map<string, string>();
  while (c.off < end) {
    const type = c.varint();
    if (type !== INFO_KEYVALUE && type !== INFO_PKEYVALUE) break; // padding (0) or an info type we ignore
    for (let n = c.varint(); n > 0; n--) headers.set(c.str(), c.str());
  }
  return { flags: view.getUint16(6), seqId: view.getInt32(8), protocolId, transforms, headers, payload: frame.subarray(end) };
}

/**
 * Undo the zlib transform of a frame from `readTHeader`, producing at most `maxPayloadBytes`
 * (RESOURCE_EXHAUSTED past it). Up to 64 KiB is inflated on the event loop; a larger payload is
 * inflated again on the thread pool, so that the event loop never inflates more than that.
 */
export async function inflateTHeader(th: THeaderFrame, maxPayloadBytes: number): Promise<THeaderFrame> {
  if (th.transforms.length === 0) return th;
  const firstTry = Math.min(maxPayloadBytes, SYNC_INFLATE_BYTES);
  try {
    let payload: Buffer;
    try {
      payload = zlib.inflateSync(th.payload, { maxOutputLength: firstTry });
    } catch (e) {
      if (firstTry === maxPayloadBytes || !tooLarge(e)) throw e;
      payload = await inflate(th.payload, { maxOutputLength: maxPayloadBytes });
    }
    return { ...th, payload };
  } catch (e) {
    throw zlibError(e, maxPayloadBytes);
  }
}

/** Bounds-checked varint and string reads inside the header area. */
class Cursor {
  constructor(private readonly frame: Uint8Array, public off: number, private readonly end: number) {}
  varint(): number {
    const v = readVarint(this.frame.subarray(0, this.end), this.off);
    if (!v) throw bad("header info truncated");
    this.off = v.next;
    return v.value;
  }
  str(): string {
    const n = this.varint();
    if (this.off + n > this.end) throw bad("header string runs past the header area");
    const s = Buffer.from(this.frame.buffer, this.frame.byteOffset + this.off, n).toString("utf8");
    this.off += n;
    return s;
  }
}

/** An inflate error as an RpcError: RESOURCE_EXHAUSTED past `max` bytes, else INTERNAL. */
function zlibError(e: unknown, max: number): RpcError {
  return tooLarge(e)
    ? new RpcError(Code.ResourceExhausted, `theader: zlib payload inflates past ${max} bytes`, { cause: e })
    : new RpcError(Code.Internal, `theader: bad zlib payload: ${(e as Error).message}`, { cause: e });
}

function tooLarge(e: unknown): boolean {
  return (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
}

function varints(values: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 5);
  let o = 0;
  for (const v of values) o = writeVarint(out, o, v >>> 0);
  return out.subarray(0, o);
}

function bad(message: string): RpcError {
  return new RpcError(Code.Internal, `theader: ${message}`);
}
