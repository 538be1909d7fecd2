import { Code, RpcError } from "../../core/index.js";
import type { ThriftType } from "../../idl/thrift/index.js";
import type { I64Mode } from "./gen-unit.js";

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

/** JSON → a value of type `t` (i64 as the mode says); a mismatch is INVALID_ARGUMENT naming `where`. */
export function thriftFromJson(j: unknown, t: ThriftType, i64: I64Mode, where: string): unknown {
  const bad = (what: string): never => { throw new RpcError(Code.InvalidArgument, `invalid JSON at ${where}: expected ${what}, got ${JSON.stringify(j)?.slice(0, 40)}`); };
  switch (t.kind) {
    case "bool": return typeof j === "boolean" ? j : j === "true" ? true : j === "false" ? false : bad("a boolean");
    case "i8": case "i16": case "i32": {
      const n = typeof j === "string" && j.trim() !== "" ? Number(j) : j;
      return typeof n === "number" && Number.isInteger(n) ? n : bad(`an integer (${t.kind})`);
    }
    case "enum": {
      if (typeof j === "string") {
        const named = t.enum.values.find((x) => x.name === j);
        return named ? named.value : /^-?\d+$/.test(j) ? Number(j) : bad(`a ${t.enum.name} value`);
      }
      return typeof j === "number" && Number.isInteger(j) ? j : bad(`a ${t.enum.name} value`);
    }
    case "i64": {
      if (!((typeof j === "number" && Number.isSafeInteger(j)) || (typeof j === "string" && /^-?\d+$/.test(j)))) return bad("an i64 (integer or decimal string)");
      const b = BigInt(j as number | string);
      return i64 === "bigint" ? b : i64 === "string" ? String(b) : Number(b);
    }
    case "double": {
      const n = typeof j === "string" ? Number(j) : j;
      return typeof n === "number" && !Number.isNaN(n) || j === "NaN" ? n : bad("a number");
    }
    case "string": case "uuid": return typeof j === "string" ? j : bad("a string");
    case "binary": return typeof j === "string" ? new Uint8Array(Buffer.from(j, "base64")) : bad("a base64 string");
    case "list": case "set": {
      if (!Array.isArray(j)) return bad("an array");
      const items = j.map((x, i) => thriftFromJson(x, t.element, i64, `${where}[${i}]`));
      return t.kind === "set" ? new Set(items) : items;
    }
    case "map": {
      if (typeof j !== "object" || j === null || Array.isArray(j)) return bad("an object");
      return new Map(Object.entries(j).map(([k, x]) => [thriftFromJson(k, t.key, i64, `${where} key`), thriftFromJson(x, t.value, i64, `${where}.${k}`)]));
    }
    case "struct": {
      if (typeof j !== "object" || j === null || Array.isArray(j)) return bad(`a ${t.struct.name} object`);
      const src = j as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of t.struct.fields) {
        if (src[f.name] !== undefined && src[f.name] !== null) out[f.name] = thriftFromJson(src[f.name], f.type, i64, `${where}.${f.name}`);
      }
      return out;
    }
  }
}
