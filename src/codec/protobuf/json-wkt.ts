import protobuf from "protobufjs";
import { Code, RpcError, clip } from "../../core/index.js";
import type { JsonWriteOptions } from "../../idl/descriptor.js";
import { badJson, scalarFromJson, scalarToJson } from "./json-scalar.js";

/**
 * The well-known types' special JSON forms (protobuf.dev "ProtoJSON format"): Timestamp as RFC
 * 3339 text, Duration as `"1.5s"`, wrappers as their bare value, Struct/Value/ListValue as plain
 * JSON, FieldMask as `"a.b,fooBar"`, Empty as `{}`, Any with `@type`. @internal
 */
const WRAPPERS: Readonly<Record<string, string>> = {
  DoubleValue: "double", FloatValue: "float", Int64Value: "int64", UInt64Value: "uint64", Int32Value: "int32",
  UInt32Value: "uint32", BoolValue: "bool", StringValue: "string", BytesValue: "bytes",
};
const ZERO: Readonly<Record<string, unknown>> = {
  double: 0, float: 0, int64: "0", uint64: "0", int32: 0, uint32: 0, bool: false, string: "", bytes: "",
};
const SPECIAL = new Set(["Timestamp", "Duration", "Struct", "Value", "ListValue", "FieldMask", "Empty", "Any", ...Object.keys(WRAPPERS)]);
const MIN_SECONDS = -62135596800; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z
const MAX_DURATION_SECONDS = 315576000000;

/** The short name of a well-known type with a special JSON form, else undefined. */
function wktName(type: protobuf.Type): string | undefined {
  if (!type.fullName.startsWith(".google.protobuf.")) return undefined;
  return SPECIAL.has(type.name) ? type.name : undefined;
}

type Msg = Record<string, unknown>;

/**
 * The mapping of whole messages and of field values, which the well-known types recurse into (an
 * Any holds a message, a Struct values). json.ts passes its own, so the two files do not import
 * each other.
 */
export interface JsonRecursion {
  messageToJson(type: protobuf.Type, msg: unknown, opts: JsonWriteOptions, depth: number): unknown;
  messageFromJson(type: protobuf.Type, j: unknown, path: string, depth: number): Msg;
  valueToJson(f: protobuf.Field, v: unknown, opts: JsonWriteOptions, depth: number): unknown;
  valueFromJson(f: protobuf.Field, v: unknown, path: string, depth: number): unknown;
}
const field = (type: protobuf.Type, id: number): protobuf.Field => type.fieldsById[id]!;
const get = (type: protobuf.Type, m: Msg, id: number): unknown => m[field(type, id).name];

/** The special JSON of a well-known type, or undefined for any other message. */
export function wktToJson(type: protobuf.Type, m: Msg, opts: JsonWriteOptions, depth: number, r: JsonRecursion): { value: unknown } | undefined {
  const name = wktName(type);
  if (name === undefined) return undefined;
  const wrapped = WRAPPERS[name];
  if (wrapped !== undefined) return { value: scalarToJson(wrapped, get(type, m, 1) ?? ZERO[wrapped]) };
  switch (name) {
    case "Timestamp": return { value: timestampToJson(num(get(type, m, 1)), num(get(type, m, 2))) };
    case "Duration": return { value: durationToJson(num(get(type, m, 1)), num(get(type, m, 2))) };
    case "Empty": return { value: {} };
    case "FieldMask": return { value: ((get(type, m, 1) as string[] | undefined) ?? []).map(toCamel).join(",") };
    case "Struct": return { value: structToJson(type, m, opts, depth, r) };
    case "ListValue": return { value: ((get(type, m, 1) as unknown[] | undefined) ?? []).map((x) => r.valueToJson(field(type, 1), x, opts, depth)) };
    case "Value": return { value: valueKindToJson(type, m, opts, depth, r) };
    default: return { value: anyToJson(type, m, opts, depth, r) };
  }
}

/** The fromObject form of a well-known type's special JSON, or undefined for any other message. */
export function wktFromJson(type: protobuf.Type, j: unknown, path: string, depth: number, r: JsonRecursion): Msg | undefined {
  const name = wktName(type);
  if (name === undefined) return undefined;
  const wrapped = WRAPPERS[name];
  const f1 = type.fieldsById[1]?.name ?? "value";
  if (wrapped !== undefined) return { [f1]: scalarFromJson(wrapped, j, path) };
  switch (name) {
    case "Timestamp": return pair(type, timestampFromJson(j, path));
    case "Duration": return pair(type, durationFromJson(j, path));
    case "Empty":
      if (typeof j !== "object" || j === null || Array.isArray(j) || Object.keys(j).length > 0) return badJson(path, "{}", j);
      return {};
    case "FieldMask":
      if (typeof j !== "string") return badJson(path, "a field mask string", j);
      return { [f1]: j === "" ? [] : j.split(",").map(toSnake) };
    case "Struct": return structFromJson(type, j, path, depth, r);
    case "ListValue":
      if (!Array.isArray(j)) return badJson(path, "an array", j);
      return { [f1]: j.map((x, i) => r.valueFromJson(field(type, 1), x, `${path}[${i}]`, depth)) };
    case "Value": return valueKindFromJson(type, j, path, depth, r);
    default: return anyFromJson(type, j, path, depth, r);
  }
}

function num(v: unknown): number {
  if (v === undefined || v === null) return 0;
  return typeof v === "number" ? v : Number(String(v));
}

function pair(type: protobuf.Type, [seconds, nanos]: [string, number]): Msg {
  return { [field(type, 1).name]: seconds, [field(type, 2).name]: nanos };
}

function fraction(nanos: number): string {
  if (nanos === 0) return "";
  const s = String(nanos).padStart(9, "0");
  return "." + (nanos % 1e6 === 0 ? s.slice(0, 3) : nanos % 1e3 === 0 ? s.slice(0, 6) : s);
}

function timestampToJson(seconds: number, nanos: number): string {
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos > 999_999_999) {
    throw new RpcError(Code.InvalidArgument, `Timestamp out of range: ${seconds}s ${nanos}ns`);
  }
  return new Date(seconds * 1000).toISOString().slice(0, 19) + fraction(nanos) + "Z";
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):(\d{2}))$/;

function timestampFromJson(j: unknown, path: string): [string, number] {
  const m = typeof j === "string" ? RFC3339.exec(j) : null;
  if (!m) return badJson(path, "an RFC 3339 timestamp", j);
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  let secs = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) / 1000;
  if (Number.isNaN(secs) || +mo! > 12 || +d! > 31 || +h! > 23 || +mi! > 59 || +s! > 59) return badJson(path, "a valid timestamp", j);
  if (sign !== undefined) secs -= (sign === "-" ? -1 : 1) * (+oh! * 3600 + +om! * 60);
  if (secs < MIN_SECONDS || secs > MAX_SECONDS) return badJson(path, "a timestamp between years 1 and 9999", j);
  return [String(secs), frac ? Number(frac.padEnd(9, "0")) : 0];
}

function durationToJson(seconds: number, nanos: number): string {
  if (Math.abs(seconds) > MAX_DURATION_SECONDS || Math.abs(nanos) > 999_999_999 || (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    throw new RpcError(Code.InvalidArgument, `Duration out of range: ${seconds}s ${nanos}ns`);
  }
  const neg = seconds < 0 || nanos < 0;
  return `${neg ? "-" : ""}${Math.abs(seconds)}${fraction(Math.abs(nanos))}s`;
}

function durationFromJson(j: unknown, path: string): [string, number] {
  const m = typeof j === "string" ? /^(-)?(\d{1,12})(?:\.(\d{1,9}))?s$/.exec(j) : null;
  if (!m) return badJson(path, `a duration like "1.5s"`, j);
  const secs = Number(m[2]);
  if (secs > MAX_DURATION_SECONDS) return badJson(path, "a duration within 10000 years", j);
  const nanos = m[3] ? Number(m[3].padEnd(9, "0")) : 0;
  const sign = m[1] ? -1 : 1;
  return [String(sign * secs === 0 ? 0 : sign * secs), sign * nanos === 0 ? 0 : sign * nanos];
}

function toCamel(path: string): string {
  return path.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function toSnake(path: string): string {
  return path.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

function structToJson(type: protobuf.Type, m: Msg, opts: JsonWriteOptions, depth: number, r: JsonRecursion): Msg {
  const fields = (get(type, m, 1) as Msg | undefined) ?? {};
  const out: Msg = {};
  for (const [k, v] of Object.entries(fields)) out[k] = r.valueToJson(field(type, 1), v, opts, depth);
  return out;
}

function structFromJson(type: protobuf.Type, j: unknown, path: string, depth: number, r: JsonRecursion): Msg {
  if (typeof j !== "object" || j === null || Array.isArray(j)) return badJson(path, "an object", j);
  const fields: Msg = {};
  for (const [k, v] of Object.entries(j)) fields[k] = r.valueFromJson(field(type, 1), v, `${path}.${k}`, depth);
  return { [field(type, 1).name]: fields };
}

function valueKindToJson(type: protobuf.Type, m: Msg, opts: JsonWriteOptions, depth: number, r: JsonRecursion): unknown {
  for (let id = 1; id <= 6; id++) {
    const f = field(type, id);
    if (!Object.prototype.hasOwnProperty.call(m, f.name) || m[f.name] === null || m[f.name] === undefined) continue;
    if (id === 1) return null;
    const v = m[f.name];
    if (id === 2) return Number.isFinite(v) ? v : badJson("Value.number_value", "a finite number", v);
    return id === 3 || id === 4 ? v : r.valueToJson(f, v, opts, depth);
  }
  return null;
}

function valueKindFromJson(type: protobuf.Type, j: unknown, path: string, depth: number, r: JsonRecursion): Msg {
  const f = (id: number) => field(type, id);
  if (j === null) return { [f(1).name]: 0 };
  if (typeof j === "number") return { [f(2).name]: j };
  if (typeof j === "string") return { [f(3).name]: j };
  if (typeof j === "boolean") return { [f(4).name]: j };
  if (Array.isArray(j)) return { [f(6).name]: r.valueFromJson(f(6), j, path, depth) };
  if (typeof j === "object") return { [f(5).name]: r.valueFromJson(f(5), j, path, depth) };
  return badJson(path, "a JSON value", j);
}

function lookupAny(type: protobuf.Type, url: string, path: string): protobuf.Type {
  const name = url.slice(url.lastIndexOf("/") + 1);
  try {
    return type.root.lookupType(name);
  } catch {
    throw new RpcError(Code.InvalidArgument, `invalid JSON at ${clip(path)}: the Any holds ${clip(name, 100)}, which is not in the loaded .proto files`);
  }
}

function anyToJson(type: protobuf.Type, m: Msg, opts: JsonWriteOptions, depth: number, r: JsonRecursion): Msg {
  const url = get(type, m, 1) as string | undefined;
  if (!url) return {};
  const inner = lookupAny(type, url, "Any");
  const bytes = (get(type, m, 2) as Uint8Array | undefined) ?? new Uint8Array(0);
  const json = r.messageToJson(inner, inner.decode(bytes), opts, depth + 1);
  return wktName(inner) !== undefined ? { "@type": url, value: json } : { "@type": url, ...(json as Msg) };
}

function anyFromJson(type: protobuf.Type, j: unknown, path: string, depth: number, r: JsonRecursion): Msg {
  if (typeof j !== "object" || j === null || Array.isArray(j)) return badJson(path, "an Any object", j);
  const { "@type": url, ...rest } = j as Msg;
  if (typeof url !== "string" || url === "") {
    if (Object.keys(rest).length === 0) return {};
    return badJson(`${path}["@type"]`, "a type URL", url);
  }
  const inner = lookupAny(type, url, path);
  const body = wktName(inner) !== undefined ? rest["value"] : rest;
  const plain = r.messageFromJson(inner, body, path, depth + 1);
  return { [field(type, 1).name]: url, [field(type, 2).name]: inner.encode(inner.fromObject(plain)).finish() };
}
