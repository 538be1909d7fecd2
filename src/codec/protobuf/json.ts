import protobuf from "protobufjs";
import { Code, RpcError, clip } from "../../core/index.js";
import type { JsonWriteOptions } from "../../idl/descriptor.js";
import { LONG_TYPES, UNSIGNED, badJson, int32, scalarFromJson, scalarToJson } from "./json-scalar.js";
import { wktFromJson, wktToJson, type JsonRecursion } from "./json-wkt.js";

/**
 * The proto3 JSON mapping (protobuf.dev "ProtoJSON format") over protobufjs reflection, for
 * generic calls and the gateway. Not a hot path: it walks the descriptors for every value.
 *
 * Writing: lowerCamelCase names (or `json_name`), 64-bit integers as decimal strings, bytes as
 * base64, enums by name, NaN/Infinity as strings, fields at their default left out (unless
 * `emitDefaults`), the well-known types in their special forms (json-wkt.ts), scalars as json-scalar.ts
 * writes them.
 * Reading: both the JSON name and the proto name, numbers as numbers or strings, enums by name
 * or number, `null` as "not set", standard or URL-safe base64; an unknown field or a value of the
 * wrong type is RpcError INVALID_ARGUMENT naming the path.
 */
const MAX_DEPTH = 100;
/** What the well-known types recurse into (an Any holds a message, a Struct holds values). */
const RECURSION: JsonRecursion = { messageToJson, messageFromJson, valueToJson, valueFromJson };

/** What writing one field takes, worked out once per message type. */
interface FieldPlan {
  readonly f: protobuf.Field;
  readonly name: string;
  readonly json: string;
  readonly presence: boolean;
}

const plans = new WeakMap<protobuf.Type, readonly FieldPlan[]>();

function planOf(type: protobuf.Type): readonly FieldPlan[] {
  let p = plans.get(type);
  if (!p) {
    p = type.fieldsArray.map((f) => ({ f, name: f.name, json: jsonName(f), presence: !f.map && !f.repeated && tracksPresence(f) }));
    plans.set(type, p);
  }
  return p;
}

/** A message (a protobufjs instance or a plain object) -> its proto3 JSON value. */
export function messageToJson(type: protobuf.Type, msg: unknown, opts: JsonWriteOptions = {}, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new RpcError(Code.InvalidArgument, `message nesting deeper than ${MAX_DEPTH}`);
  if (msg === null || msg === undefined) return null;
  if (type.fullName.startsWith(".google.protobuf.")) {
    const special = wktToJson(type, msg as Record<string, unknown>, opts, depth, RECURSION);
    if (special !== undefined) return special.value;
  }
  const m = msg as Record<string, unknown>;
  const emitDefaults = opts.emitDefaults === true, protoNames = opts.protoNames === true;
  const out: Record<string, unknown> = {};
  for (const p of planOf(type)) {
    const v = m[p.name];
    if (!isSet(p, m, v, emitDefaults)) continue;
    out[protoNames ? p.name : p.json] = fieldToJson(p.f, v, opts, depth);
  }
  return out;
}

/** The JSON name of a field: its `json_name` option, else protoc's lowerCamelCase of its name. */
export function jsonName(f: protobuf.Field): string {
  const explicit = f.options?.["json_name"];
  if (typeof explicit === "string") return explicit;
  return f.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function tracksPresence(f: protobuf.Field): boolean {
  return f.partOf !== null && f.partOf !== undefined || f.resolvedType instanceof protobuf.Type || (f as { hasPresence?: boolean }).hasPresence === true;
}

function isSet(p: FieldPlan, m: Record<string, unknown>, v: unknown, emitDefaults: boolean): boolean {
  const f = p.f;
  if (f.map) return v != null && (emitDefaults || Object.keys(v as object).length > 0);
  if (f.repeated) return emitDefaults || (Array.isArray(v) && v.length > 0);
  if (p.presence) return v != null && Object.prototype.hasOwnProperty.call(m, p.name);
  return v != null && (emitDefaults || !isDefault(v));
}

function isDefault(v: unknown): boolean {
  if (v === 0 || v === "" || v === false) return true;
  if (v instanceof Uint8Array || Array.isArray(v)) return v.length === 0;
  if (typeof v === "object" && v !== null && "low" in v && "high" in v) return (v as { low: number; high: number }).low === 0 && (v as { high: number }).high === 0;
  return typeof v === "bigint" && v === 0n;
}

function fieldToJson(f: protobuf.Field, v: unknown, opts: JsonWriteOptions, depth: number): unknown {
  if (f.map) {
    const out: Record<string, unknown> = {};
    const keyType = (f as unknown as protobuf.MapField).keyType;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[mapKeyToJson(keyType, k)] = valueToJson(f, x, opts, depth);
    return out;
  }
  if (f.repeated) return (v as unknown[]).map((x) => valueToJson(f, x, opts, depth));
  return valueToJson(f, v, opts, depth);
}

function mapKeyToJson(keyType: string, k: string): string {
  if (!LONG_TYPES.has(keyType) || /^-?\d+$/.test(k)) return k;
  return protobuf.util.longFromHash(k, UNSIGNED.has(keyType)).toString(); // protobufjs keys 64-bit maps by an 8-char hash
}

/** One value of a field (an element of a repeated field, a map value) -> JSON. */
function valueToJson(f: protobuf.Field, v: unknown, opts: JsonWriteOptions, depth: number): unknown {
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Type) return messageToJson(rt, v, opts, depth + 1);
  if (rt instanceof protobuf.Enum) {
    if (rt.fullName === ".google.protobuf.NullValue") return null;
    return typeof v === "number" ? rt.valuesById[v] ?? v : v;
  }
  return scalarToJson(f.type, v);
}

// ---- JSON -> message ----

const byName = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

function fieldsByJsonOrProtoName(type: protobuf.Type): Map<string, protobuf.Field> {
  let m = byName.get(type);
  if (!m) {
    m = new Map();
    for (const f of type.fieldsArray) {
      m.set(f.name, f);
      m.set(jsonName(f), f);
    }
    byName.set(type, m);
  }
  return m;
}

/**
 * Proto3 JSON -> a plain object in the shape protobufjs's `fromObject` takes (proto field names,
 * 64-bit integers as decimal strings, bytes as Buffers, enums as numbers).
 */
export function messageFromJson(type: protobuf.Type, j: unknown, path = type.name, depth = 0): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new RpcError(Code.InvalidArgument, `JSON nesting deeper than ${MAX_DEPTH} at ${clip(path)}`);
  const special = wktFromJson(type, j, path, depth, RECURSION);
  if (special !== undefined) return special;
  if (typeof j !== "object" || j === null || Array.isArray(j)) return badJson(path, `a ${type.name} object`, j);
  const fields = fieldsByJsonOrProtoName(type);
  const out: Record<string, unknown> = {};
  const oneofSeen = new Map<protobuf.OneOf, string>();
  for (const key of Object.keys(j)) {
    const f = fields.get(key);
    if (!f) throw new RpcError(Code.InvalidArgument, `invalid JSON at ${clip(path)}: ${type.name} has no field "${clip(key, 64)}"`);
    const v = (j as Record<string, unknown>)[key];
    const where = `${path}.${key}`;
    if (v === null && !isValueField(f)) continue;
    if (f.partOf) {
      const other = oneofSeen.get(f.partOf);
      if (other !== undefined && other !== f.name) throw new RpcError(Code.InvalidArgument, `invalid JSON at ${clip(where)}: oneof ${f.partOf.name} already has ${other}`);
      oneofSeen.set(f.partOf, f.name);
    }
    if (Object.prototype.hasOwnProperty.call(out, f.name)) throw new RpcError(Code.InvalidArgument, `invalid JSON at ${clip(where)}: field ${f.name} given twice`);
    out[f.name] = fieldFromJson(f, v, where, depth);
  }
  return out;
}

function isValueField(f: protobuf.Field): boolean {
  return !f.repeated && !f.map && f.resolvedType?.fullName === ".google.protobuf.Value";
}

function fieldFromJson(f: protobuf.Field, v: unknown, path: string, depth: number): unknown {
  if (f.map) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return badJson(path, "an object (map)", v);
    const keyType = (f as unknown as protobuf.MapField).keyType;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null && !isValueField(f)) return badJson(`${path}.${k}`, "a map value", x);
      out[mapKeyFromJson(keyType, k, path)] = valueFromJson(f, x, `${path}.${k}`, depth);
    }
    return out;
  }
  if (f.repeated) {
    if (!Array.isArray(v)) return badJson(path, "an array", v);
    return v.map((x, i) => valueFromJson(f, x, `${path}[${i}]`, depth));
  }
  return valueFromJson(f, v, path, depth);
}

function mapKeyFromJson(keyType: string, k: string, path: string): string {
  if (keyType === "string") return k;
  if (keyType === "bool") return k === "true" || k === "false" ? k : badJson(path, "a bool map key", k);
  return String(scalarFromJson(keyType, k, `${path} key`));
}

/** One JSON value of a field (an element, a map value) -> the fromObject form. */
function valueFromJson(f: protobuf.Field, v: unknown, path: string, depth: number): unknown {
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Type) return messageFromJson(rt, v, path, depth + 1);
  if (rt instanceof protobuf.Enum) return enumFromJson(rt, v, path);
  return scalarFromJson(f.type, v, path);
}

function enumFromJson(e: protobuf.Enum, v: unknown, path: string): number {
  if (e.fullName === ".google.protobuf.NullValue") return v === null || v === "NULL_VALUE" || v === 0 ? 0 : badJson(path, "null", v);
  if (typeof v === "string") {
    const n = e.values[v];
    if (n !== undefined) return n;
    return /^-?\d+$/.test(v) ? int32(Number(v), path) : badJson(path, `a ${e.name} name`, v);
  }
  return typeof v === "number" ? int32(v, path) : badJson(path, `a ${e.name} value`, v);
}
