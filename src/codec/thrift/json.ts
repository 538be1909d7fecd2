import { Code, RpcError, clip, describeValue } from "../../core/index.js";
import type { ThriftType } from "../../idl/thrift/index.js";
import { GEN_DEFAULTS, type I64Mode } from "./gen-unit.js";

/**
 * The JSON mapping of Thrift values, after Kitex's generic JSON calls: structs are objects keyed
 * by field name, lists and sets arrays, maps objects (keys as strings), enums their numbers,
 * binary base64. i64 is a JSON number when it is a safe integer and a decimal string otherwise
 * (Kitex writes numbers, which lose precision in JavaScript); both are accepted back. Doubles
 * that JSON cannot hold are the strings "NaN", "Infinity" and "-Infinity". Not a hot path.
 */
export function thriftToJson(v: unknown, t: ThriftType): unknown {
  if (v === undefined || v === null) return null;
  switch (t.kind) {
    case "i64": {
      const b = BigInt(v as bigint | number | string);
      return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : String(b);
    }
    case "double": return Number.isFinite(v) ? v : String(v);
    case "binary": return Buffer.from(v as Uint8Array).toString("base64");
    case "list": case "set": return [...(v as Iterable<unknown>)].map((x) => thriftToJson(x, t.element));
    case "map": {
      const out: Record<string, unknown> = {};
      const entries = v instanceof Map ? v : Object.entries(v as object);
      for (const [k, x] of entries) {
        if (t.key.kind === "struct" || t.key.kind === "list" || t.key.kind === "set" || t.key.kind === "map") {
          throw new RpcError(Code.InvalidArgument, `a map with ${t.key.kind} keys has no JSON form`);
        }
        out[String(k)] = thriftToJson(x, t.value);
      }
      return out;
    }
    case "struct": {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of t.struct.fields) if (o[f.name] !== undefined && o[f.name] !== null) out[f.name] = thriftToJson(o[f.name], f.type);
      return out;
    }
    default: return v;
  }
}

/**
 * JSON → a value of type `t` (i64 as the mode says); a mismatch, an integer out of its type's
 * range, or nesting deeper than `maxDepth` (the codec's, default 64) is INVALID_ARGUMENT naming `where`.
 */
export function thriftFromJson(j: unknown, t: ThriftType, i64: I64Mode, where: string, maxDepth = GEN_DEFAULTS.maxDepth): unknown {
  return fromJson(j, t, { i64, maxDepth }, where, 0);
}

interface JsonRead { readonly i64: I64Mode; readonly maxDepth: number }

const INT_RANGE: Readonly<Record<string, readonly [number, number]>> = { i8: [-128, 127], i16: [-32768, 32767], i32: [-2147483648, 2147483647] };

function fromJson(j: unknown, t: ThriftType, o: JsonRead, where: string, depth: number): unknown {
  const bad = (what: string): never => { throw new RpcError(Code.InvalidArgument, `invalid JSON at ${clip(where)}: expected ${what}, got ${describeValue(j)}`); };
  switch (t.kind) {
    case "bool": return typeof j === "boolean" ? j : j === "true" ? true : j === "false" ? false : bad("a boolean");
    case "i8": case "i16": case "i32": {
      const n = typeof j === "string" && j.trim() !== "" ? Number(j) : j;
      const [lo, hi] = INT_RANGE[t.kind]!;
      return typeof n === "number" && Number.isInteger(n) && n >= lo && n <= hi ? n : bad(`an integer (${t.kind})`);
    }
    case "enum": {
      if (typeof j === "string") {
        const named = t.enum.values.find((x) => x.name === j);
        return named ? named.value : /^-?\d{1,10}$/.test(j) ? Number(j) : bad(`a ${t.enum.name} value`);
      }
      return typeof j === "number" && Number.isInteger(j) ? j : bad(`a ${t.enum.name} value`);
    }
    case "i64": {
      if (!((typeof j === "number" && Number.isSafeInteger(j)) || (typeof j === "string" && /^-?\d{1,19}$/.test(j)))) return bad("an i64 (integer or decimal string)");
      const b = BigInt(j as number | string);
      if (b < -(2n ** 63n) || b >= 2n ** 63n) return bad("an i64 in range");
      return o.i64 === "bigint" ? b : o.i64 === "string" ? String(b) : Number(b);
    }
    case "double": {
      const n = typeof j === "string" ? Number(j) : j;
      return typeof n === "number" && !Number.isNaN(n) || j === "NaN" ? n : bad("a number");
    }
    case "string": case "uuid": return typeof j === "string" ? j : bad("a string");
    case "binary": return typeof j === "string" ? new Uint8Array(Buffer.from(j, "base64")) : bad("a base64 string");
    default: return containerFromJson(j, t, o, where, depth, bad);
  }
}

function containerFromJson(j: unknown, t: ThriftType, o: JsonRead, where: string, depth: number, bad: (what: string) => never): unknown {
  if (depth >= o.maxDepth) throw new RpcError(Code.InvalidArgument, `JSON nesting deeper than ${o.maxDepth} at ${clip(where)}`);
  const d = depth + 1;
  switch (t.kind) {
    case "list": case "set": {
      if (!Array.isArray(j)) return bad("an array");
      const items = j.map((x, i) => fromJson(x, t.element, o, `${where}[${i}]`, d));
      return t.kind === "set" ? new Set(items) : items;
    }
    case "map": {
      if (typeof j !== "object" || j === null || Array.isArray(j)) return bad("an object");
      return new Map(Object.entries(j).map(([k, x]) => [fromJson(k, t.key, o, `${where} key`, d), fromJson(x, t.value, o, `${where}.${k}`, d)]));
    }
    case "struct": {
      if (typeof j !== "object" || j === null || Array.isArray(j)) return bad(`a ${t.struct.name} object`);
      const src = j as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of t.struct.fields) {
        if (src[f.name] !== undefined && src[f.name] !== null) out[f.name] = fromJson(src[f.name], f.type, o, `${where}.${f.name}`, d);
      }
      return out;
    }
    default: return bad(`a value of Thrift type ${(t as { kind: string }).kind}`);
  }
}
