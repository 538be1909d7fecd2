import { Code, RpcError } from "../../core/index.js";
import { decodeTTHeader, type TTHeaderFrame } from "../ttheader/header.js";
import { TTHeaderFlag, TTHeaderProtocol } from "../ttheader/keys.js";
import { readMessageHeader, type MessageHeader, type ThriftProtocol } from "./message.js";
import { decodeTHeader, inflateTHeader, readTHeader, THeaderProtocolId, type THeaderFrame } from "./theader.js";

/** How one Thrift message travels: the transport around it. */
export type WireKind = "framed" | "buffered" | "theader" | "ttheader";

/** One received Thrift message and the envelope it came in. */
export interface WireMessage {
  readonly kind: WireKind;
  readonly protocol: ThriftProtocol;
  readonly header: MessageHeader;
  /** The Thrift message, header included; the struct starts at `header.bodyOffset`. */
  readonly message: Uint8Array;
  /** TTHeader frame (kind "ttheader"). */
  readonly ttheader?: TTHeaderFrame;
  /** TTHeader around a framed payload (Kitex TTHeaderFramed). */
  readonly ttheaderFramed?: boolean;
  /** THeader frame (kind "theader"). */
  readonly theader?: THeaderFrame;
}

/** A framed unit, already cut from the byte stream. */
export type RawUnit = { readonly kind: WireKind; readonly bytes: Uint8Array };

/**
 * Read the transport envelope of one whole unit and find the Thrift message inside.
 * Kitex's rules: TTHeader carries only strict binary (protocol id 0 or 3, plain or framed payload);
 * THeader carries binary (0) or compact (2). Anything else throws an RpcError.
 */
export function openUnit(unit: RawUnit, maxMessageBytes: number): WireMessage {
  switch (unit.kind) {
    case "framed": return plain("framed", unit.bytes.subarray(4));
    case "buffered": return plain("buffered", unit.bytes);
    case "ttheader": return openTTHeader(unit.bytes);
    case "theader": return openTHeader(unit.bytes, maxMessageBytes);
  }
}

/**
 * `openUnit` for a server: a THeader unit whose payload is compressed comes back as its frame,
 * payload still compressed, for the caller to inflate off the event loop (`inflateTHeader`) and
 * open with `openTHeaderFrame`.
 */
export function openServerUnit(unit: RawUnit, maxMessageBytes: number): WireMessage | THeaderFrame {
  if (unit.kind !== "theader") return openUnit(unit, maxMessageBytes);
  const th = readTHeader(unit.bytes);
  return th.transforms.length > 0 ? th : openTHeaderFrame(th);
}

/**
 * `openUnit` for a client: a THeader zlib payload is inflated off the event loop (as the server
 * does, `inflateTHeader`), to at most `maxMessageBytes` (RESOURCE_EXHAUSTED past it).
 */
export async function openUnitAsync(unit: RawUnit, maxMessageBytes: number): Promise<WireMessage> {
  const opened = openServerUnit(unit, maxMessageBytes);
  return isCompressedFrame(opened) ? openTHeaderFrame(await inflateTHeader(opened, maxMessageBytes)) : opened;
}

/** True for the compressed THeader frame `openServerUnit` may give. */
export function isCompressedFrame(x: WireMessage | THeaderFrame): x is THeaderFrame {
  return (x as WireMessage).kind === undefined;
}

function plain(kind: WireKind, message: Uint8Array): WireMessage {
  const header = completeHeader(message, 0);
  return { kind, protocol: header.protocol, header, message };
}

function openTTHeader(bytes: Uint8Array): WireMessage {
  const tt = decodeTTHeader(bytes);
  if (tt.flags & TTHeaderFlag.Streaming) {
    throw new RpcError(Code.Unimplemented, "ttheader: TTHeader Streaming frames are not served on this port");
  }
  if (tt.protocolId !== TTHeaderProtocol.ThriftBinary && tt.protocolId !== TTHeaderProtocol.ThriftCompactV2) {
    throw new RpcError(Code.InvalidArgument, `ttheader: unsupported ProtocolID[${tt.protocolId}]`);
  }
  const p = tt.payload;
  const framed = p.length >= 8 && p[4] === 0x80 && p[5] === 0x01;
  if (!framed && !(p.length >= 2 && p[0] === 0x80 && p[1] === 0x01)) {
    throw new RpcError(Code.InvalidArgument, `ttheader: invalid payload (first4Bytes=0x${hex(p, 0)}, second4Bytes=0x${hex(p, 4)})`);
  }
  const message = framed ? p.subarray(4) : p;
  if (framed && readU32(p, 0) !== message.length) {
    throw new RpcError(Code.Internal, `ttheader: framed payload length ${readU32(p, 0)} does not match ${message.length} bytes`);
  }
  const header = completeHeader(message, 0);
  return { kind: "ttheader", protocol: "binary", header, message, ttheader: tt, ttheaderFramed: framed };
}

function openTHeader(bytes: Uint8Array, maxMessageBytes: number): WireMessage {
  return openTHeaderFrame(decodeTHeader(bytes, maxMessageBytes));
}

/** The message in a THeader frame whose transforms are undone. */
export function openTHeaderFrame(th: THeaderFrame): WireMessage {
  const declared: ThriftProtocol | undefined = th.protocolId === THeaderProtocolId.Binary ? "binary"
    : th.protocolId === THeaderProtocolId.Compact ? "compact" : undefined;
  if (!declared) throw new RpcError(Code.InvalidArgument, `theader: unknown protocol id ${th.protocolId}`);
  const header = completeHeader(th.payload, 0);
  if (header.protocol !== declared) {
    throw new RpcError(Code.InvalidArgument, `theader: protocol id says ${declared} but the payload is ${header.protocol}`);
  }
  return { kind: "theader", protocol: declared, header, message: th.payload, theader: th };
}

function completeHeader(message: Uint8Array, off: number): MessageHeader {
  const header = readMessageHeader(message, off);
  if (!header) throw new RpcError(Code.Internal, `thrift: message of ${message.length} bytes ends inside its header`);
  return header;
}

/** @internal Big-endian u32 at `o` (the caller checks bounds). */
export function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
}

/** @internal Up to `n` bytes at `off` as hex, zero-padded, for error messages. */
export function hex(b: Uint8Array, off: number, n = 4): string {
  return Buffer.from(b.buffer, b.byteOffset + Math.min(off, b.length), Math.max(0, Math.min(n, b.length - off))).toString("hex").padEnd(n * 2, "0");
}
