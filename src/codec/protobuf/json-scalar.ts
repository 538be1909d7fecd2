import protobuf from "protobufjs";
import { Code, RpcError, clip, describeValue } from "../../core/index.js";

/** The proto3 JSON form of scalar values, shared by messages (json.ts) and the well-known types (json-wkt.ts). @internal */
export const LONG_TYPES = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
export const UNSIGNED = new Set(["uint64", "fixed64", "uint32", "fixed32"]);
const INT32_TYPES = new Set(["int32", "sint32", "sfixed32", "uint32", "fixed32"]);
const FLOAT_MAX = 3.4028234663852886e38;

/** @internal Throw INVALID_ARGUMENT for JSON that does not fit. */
export function badJson(path: string, what: string, got: unknown): never {
  throw new RpcError(Code.InvalidArgument, `invalid JSON at ${clip(path)}: expected ${what}, got ${describeValue(got)}`);
}

/** A scalar of proto type `type` -> JSON. @internal */
export function scalarToJson(type: string, v: unknown): unknown {
  if (LONG_TYPES.has(type)) return longToString(v, UNSIGNED.has(type));
  if (type === "double") return Number.isFinite(v) ? v : String(v);
  if (type === "float") return floatToJson(v as number);
  if (type === "bytes") return typeof v === "string" ? v : Buffer.from(v as Uint8Array).toString("base64");
  return v;
}

function longToString(v: unknown, unsigned: boolean): string {
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "string") return String(v);
  const bits = protobuf.util.LongBits.from(v as protobuf.Long);
  const Long = protobuf.util.Long as unknown as { fromBits(lo: number, hi: number, unsigned: boolean): { toString(): string } } | undefined;
  return Long ? Long.fromBits(bits.lo, bits.hi, unsigned).toString() : String(bits.toNumber(unsigned));
}

/** The shortest decimal that reads back as the same 32-bit float. */
function floatToJson(v: number): unknown {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p < 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return s;
  }
  return v;
}

/** A JSON number that must be a 32-bit integer (enums). @internal */
export function int32(n: number, path: string): number {
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 ? n : badJson(path, "a 32-bit integer", n);
}

/** A JSON scalar -> the fromObject form of proto type `type`. @internal */
export function scalarFromJson(type: string, v: unknown, path: string): unknown {
  if (INT32_TYPES.has(type)) {
    const n = typeof v === "string" && /^\s*-?\d+(\.0*)?([eE]\+?\d+)?\s*$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n)) return badJson(path, `an integer (${type})`, v);
    const [lo, hi] = UNSIGNED.has(type) ? [0, 4294967295] : [-2147483648, 2147483647];
    return n >= lo && n <= hi ? n : badJson(path, `a ${type} in range`, v);
  }
  if (LONG_TYPES.has(type)) {
    const s = typeof v === "number" && Number.isSafeInteger(v) ? String(v) : typeof v === "string" && /^-?\d{1,20}$/.test(v) ? v : badJson(path, `an integer (${type})`, v);
    const b = BigInt(s);
    const ok = UNSIGNED.has(type) ? b >= 0n && b < 2n ** 64n : b >= -(2n ** 63n) && b < 2n ** 63n;
    return ok ? s : badJson(path, `a ${type} in range`, v);
  }
  switch (type) {
    case "double": case "float": return floatFromJson(type, v, path);
    case "bool": return v === true || v === "true" ? true : v === false || v === "false" ? false : badJson(path, "true or false", v);
    case "string": return typeof v === "string" ? v : badJson(path, "a string", v);
    case "bytes": return bytesFromJson(v, path);
    default: return badJson(path, `a ${type}`, v);
  }
}

function floatFromJson(type: string, v: unknown, path: string): number {
  let n: number;
  if (typeof v === "number") n = v;
  else if (v === "NaN") return NaN;
  else if (v === "Infinity") return Infinity;
  else if (v === "-Infinity") return -Infinity;
  else if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) n = Number(v);
  else return badJson(path, `a number (${type})`, v);
  if (!Number.isFinite(n) || (type === "float" && Math.abs(n) > FLOAT_MAX)) return badJson(path, `a ${type} in range`, v);
  return n;
}

function bytesFromJson(v: unknown, path: string): Buffer {
  if (typeof v !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) return badJson(path, "base64 bytes", v);
  return Buffer.from(v.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}
