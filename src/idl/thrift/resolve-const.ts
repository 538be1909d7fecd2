import type { AstConst } from "./ast.js";
import { idlError } from "./lexer.js";
import type { ThriftConst, ThriftEnum, ThriftType, ThriftValue } from "./model.js";
import { resolveType, typeName } from "./resolve-type.js";
import type { FileScope } from "./scope.js";

const INT_RANGE: Record<string, readonly [bigint, bigint]> = {
  i8: [-128n, 127n], i16: [-32768n, 32767n], i32: [-2147483648n, 2147483647n],
  i64: [-9223372036854775808n, 9223372036854775807n],
};
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Convert a constant as written to a value of `type` (see `ThriftValue`). @internal */
export function constValue(scope: FileScope, c: AstConst, type: ThriftType): ThriftValue {
  if (c.kind === "ident") return identValue(scope, c, type);
  const bad = (): never => { throw idlError(c.pos, `a ${c.kind} constant cannot be a value of type ${typeName(type)}`); };
  switch (type.kind) {
    case "bool":
      if (c.kind === "int" && (c.value === 0n || c.value === 1n)) return c.value === 1n;
      return bad();
    case "i8": case "i16": case "i32": case "i64": {
      if (c.kind !== "int") return bad();
      const [lo, hi] = INT_RANGE[type.kind]!;
      if (c.value < lo || c.value > hi) throw idlError(c.pos, `${c.value} does not fit in ${type.kind}`);
      return type.kind === "i64" ? c.value : Number(c.value);
    }
    case "double":
      if (c.kind === "int") return Number(c.value);
      return c.kind === "double" ? c.value : bad();
    case "string": return c.kind === "string" ? c.value : bad();
    case "binary": return c.kind === "string" ? new Uint8Array(Buffer.from(c.value, "utf8")) : bad();
    case "uuid":
      if (c.kind !== "string" || !UUID.test(c.value)) throw idlError(c.pos, "a uuid constant must be a string like 00112233-4455-6677-8899-aabbccddeeff");
      return c.value.toLowerCase();
    case "enum": {
      if (c.kind !== "int") return bad();
      if (c.value < -2147483648n || c.value > 2147483647n) throw idlError(c.pos, `${c.value} does not fit in an enum (i32)`);
      return Number(c.value);
    }
    case "list": case "set": {
      if (c.kind !== "list") return bad();
      const items = c.items.map((x) => constValue(scope, x, type.element));
      return type.kind === "set" ? new Set(items) : items;
    }
    case "map": {
      if (c.kind !== "map") return bad();
      return new Map(c.entries.map(([k, v]) => [constValue(scope, k, type.key), constValue(scope, v, type.value)] as const));
    }
    case "struct": {
      if (c.kind !== "map") return bad();
      const out: Record<string, ThriftValue> = {};
      for (const [k, v] of c.entries) {
        const name = k.kind === "string" ? k.value : k.kind === "ident" ? k.name : undefined;
        const field = type.struct.fields.find((f) => f.name === name);
        if (!field) throw idlError(k.pos, `${type.struct.fullName} has no field ${JSON.stringify(name ?? "?")}`);
        out[field.name] = constValue(scope, v, field.type);
      }
      return out;
    }
  }
}

function identValue(scope: FileScope, c: Extract<AstConst, { kind: "ident" }>, type: ThriftType): ThriftValue {
  if (type.kind === "bool" && (c.name === "true" || c.name === "false")) return c.name === "true";
  if (type.kind === "enum") {
    const bare = type.enum.values.find((v) => v.name === c.name);
    if (bare) return bare.value;
  }
  const en = enumValue(scope, c.name);
  if (en !== undefined) {
    if (type.kind === "enum" && en.enum !== type.enum) {
      throw idlError(c.pos, `${c.name} belongs to enum ${en.enum.fullName}, not ${type.enum.fullName}`);
    }
    if (type.kind === "enum" || type.kind === "i32" || type.kind === "i64" || type.kind === "i16" || type.kind === "i8") {
      return type.kind === "i64" ? BigInt(en.value) : en.value;
    }
    throw idlError(c.pos, `enum value ${c.name} cannot be a value of type ${typeName(type)}`);
  }
  const k = lookupConst(scope, c.name, c.pos);
  if (!k) throw idlError(c.pos, `unknown constant "${c.name}"`);
  return convertConstValue(k, type, c);
}

/** Re-type a named constant's value where Thrift allows it (int ↔ i64 ↔ double). */
function convertConstValue(k: ThriftConst, type: ThriftType, c: Extract<AstConst, { kind: "ident" }>): ThriftValue {
  const v = k.value;
  if (typeName(k.type) === typeName(type)) return v;
  if (type.kind === "i64" && typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (type.kind === "double" && (typeof v === "number" || typeof v === "bigint")) return Number(v);
  if ((type.kind === "i32" || type.kind === "i16" || type.kind === "i8" || type.kind === "enum") && typeof v === "number" && Number.isInteger(v)) return v;
  if (type.kind === "i32" && typeof v === "bigint" && v >= -2147483648n && v <= 2147483647n) return Number(v);
  throw idlError(c.pos, `constant ${k.fullName} of type ${typeName(k.type)} cannot be a value of type ${typeName(type)}`);
}

function enumValue(scope: FileScope, name: string): { enum: ThriftEnum; value: number } | undefined {
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const enumName = name.slice(0, dot);
  const valueName = name.slice(dot + 1);
  for (const { scope: s, local } of scope.locate(enumName)) {
    const en = s.enums.get(local);
    const v = en?.values.find((x) => x.name === valueName);
    if (en && v) return { enum: en, value: v.value };
  }
  return undefined;
}

/** A constant visible from `scope`, resolving it (and what it refers to) on first use. @internal */
export function lookupConst(scope: FileScope, name: string, pos: { file: string; line: number; column: number }): ThriftConst | undefined {
  for (const { scope: s, local } of scope.locate(name)) {
    const done = s.consts.get(local);
    if (done) return done;
    const def = s.constAst.get(local);
    if (!def) continue;
    const key = `const ${local}`;
    if (s.resolving.has(key)) throw idlError(pos, `constant ${local} refers to itself`);
    s.resolving.add(key);
    try {
      const type = resolveType(s, def.type);
      const k: ThriftConst = Object.freeze({
        name: def.name, fullName: `${s.name}.${def.name}`, type, value: constValue(s, def.value, type), pos: def.pos,
      });
      s.consts.set(local, k);
      return k;
    } finally {
      s.resolving.delete(key);
    }
  }
  return undefined;
}
