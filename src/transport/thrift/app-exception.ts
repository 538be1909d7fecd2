import { Code, RpcError } from "../../core/index.js";
import { measureBinaryValue, measureCompactValue } from "./measure.js";
import { readVarint, writeVarint, type ThriftProtocol } from "./message.js";

/** TApplicationException type ids (Apache Thrift). */
export const AppExceptionType = Object.freeze({
  Unknown: 0,
  UnknownMethod: 1,
  InvalidMessageType: 2,
  WrongMethodName: 3,
  BadSequenceId: 4,
  MissingResult: 5,
  InternalError: 6,
  ProtocolError: 7,
  InvalidTransform: 8,
  InvalidProtocol: 9,
  UnsupportedClientType: 10,
});

export interface AppException {
  readonly message: string;
  readonly type: number;
}

/** The struct `{1: string message, 2: i32 type}` followed by STOP, in either protocol. */
export function encodeAppException(protocol: ThriftProtocol, e: AppException): Buffer {
  const n = Buffer.byteLength(e.message);
  if (protocol === "binary") {
    const out = Buffer.allocUnsafe(3 + 4 + n + 3 + 4 + 1);
    out[0] = 11; out.writeUInt16BE(1, 1); out.writeUInt32BE(n, 3);
    out.write(e.message, 7, "utf8");
    let o = 7 + n;
    out[o] = 8; out.writeUInt16BE(2, o + 1); out.writeInt32BE(e.type | 0, o + 3);
    out[o + 7] = 0;
    return out;
  }
  const out = Buffer.allocUnsafe(1 + 5 + n + 1 + 5 + 1);
  out[0] = 0x18;
  let o = writeVarint(out, 1, n);
  o += out.write(e.message, o, "utf8");
  out[o++] = 0x15;
  o = writeVarint(out, o, ((e.type << 1) ^ (e.type >> 31)) >>> 0);
  out[o++] = 0;
  return out.subarray(0, o);
}

/** Decode a TApplicationException struct; unknown fields are skipped. */
export function decodeAppException(protocol: ThriftProtocol, b: Uint8Array, off = 0): AppException {
  let message = "";
  let type: number = AppExceptionType.Unknown;
  const fail = () => new RpcError(Code.Internal, "thrift: truncated TApplicationException");
  let o = off;
  let lastId = 0;
  for (;;) {
    if (o >= b.length) throw fail();
    const head = b[o++]!;
    if (head === 0) return { message, type };
    let id: number, wire: number;
    if (protocol === "binary") {
      if (o + 2 > b.length) throw fail();
      wire = head; id = (b[o]! << 8) | b[o + 1]!; o += 2;
    } else {
      wire = head & 0x0f;
      if (head >> 4 === 0) {
        const v = readVarint(b, o);
        if (!v) throw fail();
        id = (v.value >>> 1) ^ -(v.value & 1); o = v.next;
      } else id = lastId + (head >> 4);
      lastId = id;
    }
    const isString = protocol === "binary" ? wire === 11 : wire === 8;
    const isI32 = protocol === "binary" ? wire === 8 : wire === 5;
    if (id === 1 && isString) {
      const len = protocol === "binary" ? readU32(b, o) : readVarint(b, o);
      if (!len || len.next + len.value > b.length) throw fail();
      message = Buffer.from(b.buffer, b.byteOffset + len.next, len.value).toString("utf8");
      o = len.next + len.value;
    } else if (id === 2 && isI32) {
      if (protocol === "binary") {
        if (o + 4 > b.length) throw fail();
        type = (readU32(b, o)!.value) | 0; o += 4;
      } else {
        const v = readVarint(b, o);
        if (!v) throw fail();
        type = (v.value >>> 1) ^ -(v.value & 1); o = v.next;
      }
    } else if (protocol === "compact" && (wire === 1 || wire === 2)) {
      continue;
    } else {
      o = protocol === "binary" ? measureBinaryValue(b, o, wire) : measureCompactValue(b, o, wire);
      if (o < 0) throw fail();
    }
  }
}

/** The RpcError code a received TApplicationException stands for. */
export function codeFromAppException(type: number): Code {
  switch (type) {
    case AppExceptionType.UnknownMethod: return Code.Unimplemented;
    case AppExceptionType.InvalidMessageType: case AppExceptionType.WrongMethodName:
    case AppExceptionType.BadSequenceId: case AppExceptionType.ProtocolError:
    case AppExceptionType.InvalidTransform: case AppExceptionType.InvalidProtocol:
    case AppExceptionType.UnsupportedClientType: return Code.Internal;
    case AppExceptionType.MissingResult: return Code.Internal;
    case AppExceptionType.InternalError: return Code.Internal;
    default: return Code.Unknown;
  }
}

/** The TApplicationException a server sends for an error: UNKNOWN_METHOD for UNIMPLEMENTED, else INTERNAL_ERROR. */
export function appExceptionFromError(e: RpcError): AppException {
  const type = e.code === Code.Unimplemented ? AppExceptionType.UnknownMethod : AppExceptionType.InternalError;
  return { type, message: e.rawMessage };
}

function readU32(b: Uint8Array, o: number): { value: number; next: number } | undefined {
  if (o + 4 > b.length) return undefined;
  return { value: (((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!), next: o + 4 };
}
