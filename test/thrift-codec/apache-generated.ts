/**
 * Apache Thrift's own JavaScript for an IDL: `thrift --gen js:node` run into a temp folder, loaded
 * with the `thrift` npm runtime, plus converters between its values and Weir's.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ThriftStruct, ThriftType } from "../../src/idl/thrift/index.js";

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
export const thrift: Any = require("thrift");
const Int64: Any = require("node-int64");

export interface ApacheTypes {
  /** Generated classes by struct name. */
  readonly types: Record<string, Any>;
  cleanup(): void;
}

/** Run the Apache compiler on `idlFile` and load the generated `*_types.js`. */
export function generateApache(idlFile: string): ApacheTypes {
  const dir = mkdtempSync(path.join(tmpdir(), "weir-apache-js-"));
  execFileSync("thrift", ["--gen", "js:node", "-out", dir, idlFile]);
  const file = readdirSync(dir).find((f) => f.endsWith("_types.js"));
  if (!file) throw new Error(`thrift --gen js:node wrote no *_types.js into ${dir}`);
  const full = path.join(dir, file);
  const src = readFileSync(full, "utf8")
    .replace(/require\('thrift'\)/g, `require(${JSON.stringify(require.resolve("thrift"))})`)
    .replace(/require\('node-int64'\)/g, `require(${JSON.stringify(require.resolve("node-int64"))})`);
  writeFileSync(full, src);
  return { types: require(full) as Record<string, Any>, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const protocolClass = (p: "binary" | "compact"): Any => (p === "binary" ? thrift.TBinaryProtocol : thrift.TCompactProtocol);

/** Encode a generated struct instance with Apache's protocol classes. */
export function apacheEncode(obj: Any, protocol: "binary" | "compact"): Buffer {
  let out: Buffer = Buffer.alloc(0);
  const transport = new thrift.TBufferedTransport(undefined, (buf: Buffer) => { out = buf; });
  obj.write(new (protocolClass(protocol))(transport));
  transport.flush();
  return out;
}

/** Decode bytes into a new instance of a generated struct class. */
export function apacheDecode(Type: Any, bytes: Uint8Array, protocol: "binary" | "compact"): Any {
  const o = new Type();
  o.read(new (protocolClass(protocol))(new thrift.TFramedTransport(Buffer.from(bytes))));
  return o;
}

/** A Weir value → the generated classes' shape (Int64, Buffer, arrays for sets, objects for maps). */
export function toApache(types: Record<string, Any>, v: unknown, t: ThriftType): Any {
  switch (t.kind) {
    case "i64": { const b = Buffer.alloc(8); b.writeBigInt64BE(v as bigint); return new Int64(b); }
    case "binary": return Buffer.from(v as Uint8Array);
    case "list": return (v as unknown[]).map((x) => toApache(types, x, t.element));
    case "set": return [...(v as Set<unknown>)].map((x) => toApache(types, x, t.element));
    case "map": {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v as Map<unknown, unknown>) o[String(k)] = toApache(types, x, t.value);
      return o;
    }
    case "struct": return structToApache(types, v as Record<string, unknown>, t.struct);
    default: return v;
  }
}

function structToApache(types: Record<string, Any>, v: Record<string, unknown>, s: ThriftStruct): Any {
  const o = new types[s.name]();
  for (const f of s.fields) if (v[f.name] !== undefined) o[f.name] = toApache(types, v[f.name], f.type);
  return o;
}

/** A generated-class value → Weir's shape (bigint, Uint8Array, Set, Map, plain objects without nulls). */
export function fromApache(v: Any, t: ThriftType): unknown {
  switch (t.kind) {
    case "i64": return (v.buffer as Buffer).readBigInt64BE(0);
    case "binary": return new Uint8Array(v as Buffer);
    case "list": return (v as unknown[]).map((x) => fromApache(x, t.element));
    case "set": return new Set((v as unknown[]).map((x) => fromApache(x, t.element)));
    case "map": {
      const keyIsString = t.key.kind === "string";
      return new Map(Object.keys(v).map((k) => [keyIsString ? k : Number(k), fromApache(v[k], t.value)]));
    }
    case "struct": {
      const out: Record<string, unknown> = {};
      for (const f of t.struct.fields) if (v[f.name] !== null && v[f.name] !== undefined) out[f.name] = fromApache(v[f.name], f.type);
      return out;
    }
    default: return v;
  }
}

/**
 * Reorder a Weir value's maps the way Apache's plain-object maps iterate (integer-like keys
 * ascending first), so both sides write entries in the same order.
 */
export function apacheOrder(v: unknown, t: ThriftType): unknown {
  switch (t.kind) {
    case "list": return (v as unknown[]).map((x) => apacheOrder(x, t.element));
    case "set": return new Set([...(v as Set<unknown>)].map((x) => apacheOrder(x, t.element)));
    case "map": {
      const byKey = new Map([...(v as Map<unknown, unknown>)].map(([k, x]) => [String(k), [k, apacheOrder(x, t.value)] as const]));
      const order: Record<string, true> = {};
      for (const k of byKey.keys()) order[k] = true;
      return new Map(Object.keys(order).map((k) => byKey.get(k)!));
    }
    case "struct": {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of t.struct.fields) if (o[f.name] !== undefined) out[f.name] = apacheOrder(o[f.name], f.type);
      return out;
    }
    default: return v;
  }
}
