import type { ThriftStruct, ThriftType } from "../../idl/thrift/index.js";
import * as bytes from "./bytes.js";
import * as errors from "./errors.js";
import type { MaskNode } from "./mask-node.js";
import { skipBinary, skipCompact } from "./skip.js";
import type { ThriftReader, ThriftWriter } from "./writer.js";

/** How i64 values are handed to users. */
export type I64Mode = "bigint" | "number" | "string";

/** Options that change the generated code. @internal */
export interface GenOptions {
  readonly i64: I64Mode;
  readonly maxDepth: number;
}

export type EncodeFn = (w: ThriftWriter, v: unknown, d: number) => void;
export type DecodeFn = (r: ThriftReader, d: number) => unknown;
export interface StructFns { readonly enc: EncodeFn; readonly dec: DecodeFn }

/**
 * Names the helpers generated code may call; they are destructured once at the top of each
 * compiled unit, so calls are to local constants.
 */
const HELPERS = {
  ...bytes,
  SB: skipBinary, SC: skipCompact,
  TR: errors.truncated, TD: errors.tooDeep, BS: errors.badSize, BW: errors.badWireType,
  MR: errors.missingRequired, UC: errors.unionCount, BV: errors.badValue,
};
const HELPER_NAMES = Object.keys(HELPERS).join(",");

/** One protocol's code generator: emits the encoder and decoder bodies of one struct. @internal */
export interface StructGenerator {
  encoder(u: Unit, s: ThriftStruct, mask: MaskNode | null): string;
  decoder(u: Unit, s: ThriftStruct, mask: MaskNode | null): string;
}

/**
 * A compilation unit: every struct reachable from some roots (each with an optional FieldMask
 * node), emitted into one `new Function` so generated functions call each other directly.
 * @internal
 */
export class Unit {
  private readonly index = new Map<ThriftStruct, Map<MaskNode | null, number>>();
  private readonly pending: Array<{ s: ThriftStruct; mask: MaskNode | null; i: number }> = [];
  private readonly consts: unknown[] = [];
  private counter = 0;

  constructor(readonly opts: GenOptions, private readonly gen: StructGenerator) {}

  /** The function number for a struct (under a mask), queueing it for generation. */
  fn(s: ThriftStruct, mask: MaskNode | null = null): number {
    let byMask = this.index.get(s);
    if (!byMask) this.index.set(s, (byMask = new Map()));
    let i = byMask.get(mask);
    if (i === undefined) {
      i = this.pending.length;
      byMask.set(mask, i);
      this.pending.push({ s, mask, i });
    }
    return i;
  }

  /** An expression for a constant value kept beside the code (`K[n]`). */
  constant(v: unknown): string {
    this.consts.push(v);
    return `K[${this.consts.length - 1}]`;
  }

  /** A fresh local variable name. */
  uid(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  /** Generate every queued struct and build the functions; returns them by function number. */
  build(): StructFns[] {
    const parts: string[] = [];
    for (let k = 0; k < this.pending.length; k++) {
      const { s, mask, i } = this.pending[k]!;
      parts.push(`function e${i}(w,v,d){${this.gen.encoder(this, s, mask)}}`);
      parts.push(`function d${i}(r,d){${this.gen.decoder(this, s, mask)}}`);
    }
    const list = this.pending.map(({ i }) => `[e${i},d${i}]`).join(",");
    const body = `"use strict";const {${HELPER_NAMES}}=H;const PA=H.parts;${parts.join("\n")}\nreturn [${list}];`;
    const pairs = new Function("H", "K", body)(HELPERS, this.consts) as [EncodeFn, DecodeFn][];
    return pairs.map(([enc, dec]) => ({ enc, dec }));
  }
}

/** A JS string literal. @internal */
export const lit = (s: string): string => JSON.stringify(s);

/** A property access for a field name (`v["a-b"]` when not an identifier). @internal */
export function prop(obj: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${obj}.${name}` : `${obj}[${lit(name)}]`;
}

/**
 * A JS expression that builds a fresh copy of a constant of type `t` in the configured
 * representation (decoders apply IDL defaults with it). @internal
 */
export function valueExpr(u: Unit, v: unknown, t: ThriftType, depth = 0): string {
  switch (t.kind) {
    case "bool": return v ? "true" : "false";
    case "i8": case "i16": case "i32": case "enum": return String(v);
    case "double": return Object.is(v, -0) ? "-0" : Number.isNaN(v) ? "NaN" : String(v);
    case "i64": {
      const b = BigInt(v as bigint);
      return u.opts.i64 === "bigint" ? `${b}n` : u.opts.i64 === "string" ? lit(String(b)) : String(Number(b));
    }
    case "string": case "uuid": return lit(v as string);
    case "binary": return `${u.constant(v)}.slice()`;
    case "list": return `[${(v as unknown[]).map((x) => valueExpr(u, x, t.element, depth + 1)).join(",")}]`;
    case "set": return `new Set([${[...(v as Set<unknown>)].map((x) => valueExpr(u, x, t.element, depth + 1)).join(",")}])`;
    case "map": {
      const entries = [...(v as Map<unknown, unknown>)].map(([k, x]) => `[${valueExpr(u, k, t.key, depth + 1)},${valueExpr(u, x, t.value, depth + 1)}]`);
      return `new Map([${entries.join(",")}])`;
    }
    case "struct": {
      // A struct constant gets its own fields' IDL defaults too, as `new S({...})` would.
      if (depth > 32) return u.constant(v);
      const o = v as Record<string, unknown>;
      const fields = t.struct.fields
        .map((f) => [f, o[f.name] !== undefined ? o[f.name] : f.default] as const)
        .filter(([, x]) => x !== undefined)
        .map(([f, x]) => `${lit(f.name)}:${valueExpr(u, x, f.type, depth + 1)}`);
      return `{${fields.join(",")}}`;
    }
  }
}

/**
 * The check an encoder makes before writing a value of a base type (`x` is not null).
 * Returns "" when the writer itself validates (i64, binary, uuid, containers). @internal
 */
export function valueCheck(t: ThriftType, x: string, where: string): string {
  const fail = (what: string) => `throw BV(${lit(where)},${lit(what)},${x});`;
  switch (t.kind) {
    case "bool": return `if(typeof ${x}!=="boolean")${fail("a boolean")}`;
    case "i8": return `if((${x}<<24>>24)!==${x})${fail("an i8 (-128..127)")}`;
    case "i16": return `if((${x}<<16>>16)!==${x})${fail("an i16")}`;
    case "i32": return `if((${x}|0)!==${x})${fail("an i32")}`;
    case "enum": return `if((${x}|0)!==${x})${fail(`an ${t.enum.name} value (i32)`)}`;
    case "double": return `if(typeof ${x}!=="number")${fail("a number")}`;
    case "string": return `if(typeof ${x}!=="string")${fail("a string")}`;
    case "struct": return `if(typeof ${x}!=="object")${fail(`a ${t.struct.name} object`)}`;
    case "list": return `if(!Array.isArray(${x}))${fail("an array")}`;
    default: return "";
  }
}

/** Code turning a set value into an array (`Set` or array accepted). @internal */
export function setToArray(x: string, a: string, where: string): string {
  return `const ${a}=${x} instanceof Set?Array.from(${x}):${x};if(!Array.isArray(${a}))throw BV(${lit(where)},"a Set or an array",${x});`;
}

/** Code turning a map value into a Map (a plain object is accepted for string keys). @internal */
export function mapToMap(t: Extract<ThriftType, { kind: "map" }>, x: string, m: string, where: string): string {
  const objOk = t.key.kind === "string";
  const fromObj = objOk ? `(typeof ${x}==="object"&&${x}!==null&&!Array.isArray(${x})?new Map(Object.entries(${x})):null)` : "null";
  return `const ${m}=${x} instanceof Map?${x}:${fromObj};if(${m}===null)throw BV(${lit(where)},${lit(objOk ? "a Map or a plain object" : "a Map")},${x});`;
}

/** Default options. */
export const GEN_DEFAULTS: GenOptions = Object.freeze({ i64: "bigint", maxDepth: 64 });
