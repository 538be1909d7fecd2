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

/** A TApplicationException: free-form message and a type id (see `AppExceptionType`). */
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
  const r = new FieldReader(protocol, b, off);
  let message = "";
  let type: number = AppExceptionType.Unknown;
  for (let f = r.next(); f !== undefined; f = r.next()) {
    if (f.id === 1 && f.wire === r.stringType) message = r.string();
    else if (f.id === 2 && f.wire === r.i32Type) type = r.i32();
    else r.skip(f.wire);
  }
  return { message, type };
}

/** Walks the fields of one struct in either protocol; every read is bounds-checked. */
class FieldReader {
  readonly stringType: number;
  readonly i32Type: number;
  private lastId = 0;

  constructor(private readonly protocol: ThriftProtocol, private readonly b: Uint8Array, private o: number) {
    this.stringType = protocol === "binary" ? 11 : 8;
    this.i32Type = protocol === "binary" ? 8 : 5;
  }

  /** The next field's id and wire type, or undefined at STOP. */
  next(): { id: number; wire: number } | undefined {
    const head = this.byte();
    if (head === 0) return undefined;
    if (this.protocol === "binary") {
      const id = (this.byte() << 8) | this.byte();
      return { id, wire: head };
    }
    const id = head >> 4 === 0 ? zigzag(this.varint()) : this.lastId + (head >> 4);
    this.lastId = id;
    return { id, wire: head & 0x0f };
  }

  string(): string {
    const n = this.protocol === "binary" ? this.u32() : this.varint();
    if (this.o + n > this.b.length) throw truncatedException();
    const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.o, n).toString("utf8");
    this.o += n;
    return s;
  }

  i32(): number {
    return this.protocol === "binary" ? this.u32() | 0 : zigzag(this.varint());
  }

  skip(wire: number): void {
    if (this.protocol === "compact" && (wire === 1 || wire === 2)) return; // the value is in the field header
    this.o = this.protocol === "binary" ? measureBinaryValue(this.b, this.o, wire) : measureCompactValue(this.b, this.o, wire);
    if (this.o < 0) throw truncatedException();
  }

  private byte(): number {
    if (this.o >= this.b.length) throw truncatedException();
    return this.b[this.o++]!;
  }

  private u32(): number {
    if (this.o + 4 > this.b.length) throw truncatedException();
    const b = this.b, o = this.o;
    this.o += 4;
    return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
  }

  private varint(): number {
    const v = readVarint(this.b, this.o);
    if (!v) throw truncatedException();
    this.o = v.next;
    return v.value;
  }
}

const zigzag = (v: number) => (v >>> 1) ^ -(v & 1);
const truncatedException = () => new RpcError(Code.Internal, "thrift: truncated TApplicationException");

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
