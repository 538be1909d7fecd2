import { Code, RpcError } from "../../core/index.js";
import {
  WireReader, fieldSize, malformed, int64Number, split, splitNumber, uint64Number, utf8Size, varint64Size,
  writeHeader, writeString, writeVarint, writeVarint64,
} from "./pb.js";
import type { ParameterValue, Parameters } from "../tensor.js";

/**
 * `map<string, InferParameter>` on the wire: each entry a message { key = 1; value = 2 }, the
 * value's oneof bool (1), int64 (2), string (3), double (4) or uint64 (5). Decoded int64 and
 * uint64 are numbers when exact, else bigint; encoded, a boolean is bool, a string string, an
 * integer number or a bigint int64 (uint64 past 2^63 - 1), any other number double.
 * @internal
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Read one map entry (the reader is at its value, which ends at `end`) into `into`. */
export function readParameterEntry(r: WireReader, end: number, into: Record<string, ParameterValue>): void {
  let key = "";
  let value: ParameterValue | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) key = r.string();
    else if (tag === 0x12) value = readParameterValue(r, r.delimited());
    else r.skip(tag);
  }
  if (r.pos !== end) throw malformed(r.what, "a parameter runs past its entry");
  if (value !== undefined && key !== "__proto__") into[key] = value;
}

function readParameterValue(r: WireReader, end: number): ParameterValue | undefined {
  let value: ParameterValue | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x08: value = r.varint32() !== 0; break;
      case 0x10: r.varint64(); value = int64Value(r.lo, r.hi); break;
      case 0x1a: value = r.string(); break;
      case 0x21: value = r.double(); break;
      case 0x28: r.varint64(); value = uint64Value(r.lo, r.hi); break;
      default: r.skip(tag);
    }
  }
  return value;
}

function int64Value(lo: number, hi: number): number | bigint {
  const n = int64Number(lo, hi);
  return Number.isSafeInteger(n) ? n : BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

function uint64Value(lo: number, hi: number): number | bigint {
  const n = uint64Number(lo, hi);
  return Number.isSafeInteger(n) ? n : (BigInt(hi) << 32n) | BigInt(lo);
}

/** Bytes of the InferParameter message of `v`. */
function valueSize(v: ParameterValue): number {
  switch (typeof v) {
    case "boolean": return 2;
    case "string": return fieldSize(utf8Size(v));
    case "number":
      if (!Number.isSafeInteger(v)) return 9;
      splitNumber(v);
      return 1 + varint64Size(split.lo, split.hi);
    case "bigint":
      bigintHalves(v);
      return 1 + varint64Size(split.lo, split.hi);
    default:
      throw new RpcError(Code.InvalidArgument, `a parameter must be a string, number, boolean or bigint, not ${typeof v}`);
  }
}

function bigintHalves(v: bigint): void {
  if (v < INT64_MIN || v > UINT64_MAX) throw new RpcError(Code.InvalidArgument, `parameter value ${v} does not fit in 64 bits`);
  const u = BigInt.asUintN(64, v);
  split.lo = Number(u & 0xffffffffn);
  split.hi = Number(u >> 32n);
}

function writeValue(buf: Buffer, pos: number, v: ParameterValue): number {
  switch (typeof v) {
    case "boolean":
      buf[pos] = 0x08;
      buf[pos + 1] = v ? 1 : 0;
      return pos + 2;
    case "string":
      return writeString(buf, pos, 0x1a, v, utf8Size(v));
    case "number":
      if (!Number.isSafeInteger(v)) {
        buf[pos] = 0x21;
        return buf.writeDoubleLE(v, pos + 1);
      }
      splitNumber(v);
      buf[pos] = 0x10;
      return writeVarint64(buf, pos + 1, split.lo, split.hi);
    default: {
      const big = v as bigint;
      bigintHalves(big);
      buf[pos] = big > INT64_MAX ? 0x28 : 0x10;
      return writeVarint64(buf, pos + 1, split.lo, split.hi);
    }
  }
}

/** Bytes of one map entry (without its own key and length). */
function entrySize(key: string, v: ParameterValue): number {
  return fieldSize(utf8Size(key)) + fieldSize(valueSize(v));
}

/** Bytes of a map field of key `tag` (one byte) holding `params`. */
export function parametersSize(params: Parameters | undefined): number {
  if (params === undefined) return 0;
  let n = 0;
  for (const key in params) n += fieldSize(entrySize(key, params[key]!));
  return n;
}

/** Write a map field of key `tag` holding `params`; returns the end. */
export function writeParameters(buf: Buffer, pos: number, tag: number, params: Parameters | undefined): number {
  if (params === undefined) return pos;
  for (const key in params) {
    const v = params[key]!;
    const keyLen = utf8Size(key);
    const vSize = valueSize(v);
    pos = writeHeader(buf, pos, tag, fieldSize(keyLen) + fieldSize(vSize));
    pos = writeString(buf, pos, 0x0a, key, keyLen);
    buf[pos] = 0x12;
    pos = writeVarint(buf, pos + 1, vSize);
    pos = writeValue(buf, pos, v);
  }
  return pos;
}
