import type { AstAnnotation, AstType } from "./ast.js";
import { idlError } from "./lexer.js";
import type { ThriftAnnotations, ThriftBaseKind, ThriftType } from "./model.js";
import type { FileScope } from "./scope.js";

const BASE_ALIASES: Readonly<Record<string, ThriftBaseKind>> = {
  bool: "bool", byte: "i8", i8: "i8", i16: "i16", i32: "i32", i64: "i64",
  double: "double", string: "string", slist: "string", binary: "binary", uuid: "uuid",
};

/** Annotations list → record (a repeated key keeps its last value). @internal */
export function annotationRecord(list: readonly AstAnnotation[]): ThriftAnnotations {
  const out: Record<string, string> = {};
  for (const a of list) out[a.key] = a.value;
  return Object.freeze(out);
}

/** Resolve a type as written in `scope` to the model type. @internal */
export function resolveType(scope: FileScope, t: AstType): ThriftType {
  const annotations = annotationRecord(t.annotations);
  switch (t.kind) {
    case "base": return { kind: BASE_ALIASES[t.name]!, annotations };
    case "list": case "set": return { kind: t.kind, element: resolveType(scope, t.element), annotations };
    case "map": {
      const key = resolveType(scope, t.key);
      return { kind: "map", key, value: resolveType(scope, t.value), annotations };
    }
    case "named": {
      const found = lookupType(scope, t.name);
      if (!found) throw idlError(t.pos, `unknown type "${t.name}"`);
      if (t.annotations.length === 0) return found;
      return { ...found, annotations: { ...found.annotations, ...annotations } } as ThriftType;
    }
  }
}

/** A named type (struct, union, exception, enum or typedef) visible from `scope`. @internal */
export function lookupType(scope: FileScope, name: string): ThriftType | undefined {
  for (const { scope: s, local } of scope.locate(name)) {
    const st = s.structs.get(local);
    if (st) return { kind: "struct", struct: st, annotations: {} };
    const en = s.enums.get(local);
    if (en) return { kind: "enum", enum: en, annotations: {} };
    if (s.typedefAst.has(local)) return resolveTypedef(s, local);
  }
  return undefined;
}

function resolveTypedef(scope: FileScope, name: string): ThriftType {
  const done = scope.typedefs.get(name);
  if (done) return done;
  const def = scope.typedefAst.get(name)!;
  const key = `typedef ${name}`;
  if (scope.resolving.has(key)) throw idlError(def.pos, `typedef ${name} refers to itself`);
  scope.resolving.add(key);
  try {
    const t = resolveType(scope, def.type);
    scope.typedefs.set(name, t);
    return t;
  } finally {
    scope.resolving.delete(key);
  }
}

/** A printable name of a type, for error messages (`list<string>`, `echo.Request`). @internal */
export function typeName(t: ThriftType): string {
  switch (t.kind) {
    case "list": case "set": return `${t.kind}<${typeName(t.element)}>`;
    case "map": return `map<${typeName(t.key)},${typeName(t.value)}>`;
    case "enum": return t.enum.fullName;
    case "struct": return t.struct.fullName;
    default: return t.kind;
  }
}
