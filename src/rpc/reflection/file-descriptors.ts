import path from "node:path";
import protobuf from "protobufjs";
import descriptorTypes from "protobufjs/ext/descriptor/index.js";

/** One `.proto` file as reflection serves it. */
export interface ProtoFile {
  /** The name clients know it by (`grpc/health/v1/health.proto`), also used in `dependency`. */
  readonly name: string;
  /** Names of the files it imports. */
  readonly dependencies: readonly string[];
  /** Serialized google.protobuf.FileDescriptorProto. */
  readonly bytes: Uint8Array;
}

/** Every file of a protobufjs root, and which file declares each fully qualified symbol. */
export interface ProtoFileIndex {
  readonly files: Map<string, ProtoFile>;
  /** Symbol (`pkg.Service`, `pkg.Service.Method`, `pkg.Message.Nested`, `pkg.Enum`) → file name. */
  readonly symbols: Map<string, string>;
}

type TopLevel = protobuf.Type | protobuf.Enum | protobuf.Service;

const SCALAR: Readonly<Record<string, number>> = {
  double: 1, float: 2, int64: 3, uint64: 4, int32: 5, fixed64: 6, fixed32: 7, bool: 8, string: 9,
  bytes: 12, uint32: 13, sfixed32: 15, sfixed64: 16, sint32: 17, sint64: 18,
};

/**
 * Describe every file loaded into a protobufjs root as FileDescriptorProtos, grouped by the file
 * each declaration came from. Absolute file paths become paths relative to the files' common
 * folder (the bundled well-known types keep their `google/protobuf/…` names). Extensions and
 * custom options are not described.
 */
export function indexRoot(root: protobuf.Root, into: ProtoFileIndex = { files: new Map(), symbols: new Map() }): ProtoFileIndex {
  const byFile = new Map<string, TopLevel[]>();
  collect(root, byFile);
  const names = fileNames([...byFile.keys()]);
  const nameOf = (obj: protobuf.ReflectionObject): string => names.get(fileKey(topLevelOf(obj))) ?? "unknown.proto";
  for (const [key, objects] of byFile) {
    const name = names.get(key)!;
    const deps = new Set<string>();
    const pkg = packageOf(objects[0]!);
    const file = {
      name,
      package: pkg,
      dependency: [] as string[],
      messageType: [] as unknown[],
      enumType: [] as unknown[],
      service: [] as unknown[],
      syntax: syntaxOf(objects[0]!),
    };
    const ref = (t: protobuf.ReflectionObject): string => {
      const dep = nameOf(t);
      if (dep !== name) deps.add(dep);
      return t.fullName;
    };
    for (const obj of objects) {
      if (obj instanceof protobuf.Type) file.messageType.push(describeType(obj, ref));
      else if (obj instanceof protobuf.Enum) file.enumType.push(describeEnum(obj));
      else file.service.push(describeService(obj, ref));
      indexSymbols(obj, name, into.symbols);
    }
    file.dependency = [...deps].sort();
    if (file.syntax === "proto2") delete (file as { syntax?: string }).syntax;
    const T = descriptorTypes.FileDescriptorProto;
    const bytes = T.encode(T.fromObject(file)).finish();
    if (!into.files.has(name)) into.files.set(name, Object.freeze({ name, dependencies: file.dependency, bytes }));
  }
  return into;
}

function collect(ns: protobuf.NamespaceBase, out: Map<string, TopLevel[]>): void {
  for (const obj of ns.nestedArray) {
    if (obj instanceof protobuf.Type || obj instanceof protobuf.Enum || obj instanceof protobuf.Service) {
      const key = fileKey(obj);
      const list = out.get(key);
      if (list) list.push(obj); else out.set(key, [obj]);
    } else if (obj instanceof protobuf.Namespace) {
      collect(obj, out);
    }
  }
}

/**
 * The file an object came from. protobufjs serves the well-known types from bundled JSON without
 * a file name: they get their canonical ones. Objects parsed from a string get one file per package.
 */
function fileKey(obj: protobuf.ReflectionObject): string {
  if (obj.filename) return obj.filename;
  const pkg = packageOf(obj);
  if (pkg === "google.protobuf") return `google/protobuf/${WELL_KNOWN_FILES[obj.name] ?? "descriptor"}.proto`;
  return `${pkg.replace(/\./g, "/") || "weir_unnamed"}.proto`;
}

/** The file of each well-known type (google/protobuf/<file>.proto); the rest are descriptor.proto. */
const WELL_KNOWN_FILES: Readonly<Record<string, string>> = {
  Any: "any", Api: "api", Method: "api", Mixin: "api", Duration: "duration", Empty: "empty", FieldMask: "field_mask",
  SourceContext: "source_context", Struct: "struct", Value: "struct", ListValue: "struct", NullValue: "struct",
  Timestamp: "timestamp", Type: "type", Field: "type", Enum: "type", EnumValue: "type", Option: "type", Syntax: "type",
  DoubleValue: "wrappers", FloatValue: "wrappers", Int64Value: "wrappers", UInt64Value: "wrappers", Int32Value: "wrappers",
  UInt32Value: "wrappers", BoolValue: "wrappers", StringValue: "wrappers", BytesValue: "wrappers",
};

function topLevelOf(obj: protobuf.ReflectionObject): protobuf.ReflectionObject {
  let o = obj;
  while (o.parent !== null && (o.parent instanceof protobuf.Type || o.parent instanceof protobuf.Service)) o = o.parent;
  return o;
}

function packageOf(obj: protobuf.ReflectionObject): string {
  const parent = topLevelOf(obj).parent;
  return parent === null ? "" : parent.fullName.replace(/^\./, "");
}

function syntaxOf(obj: protobuf.ReflectionObject): string {
  const edition = (obj as unknown as { _edition?: string | null })._edition;
  return edition === "proto3" ? "proto3" : edition === "proto2" || !edition ? "proto2" : "editions";
}

/** File keys → names: bundled files keep theirs, absolute paths become relative to their common folder. */
function fileNames(keys: readonly string[]): Map<string, string> {
  const absolute = keys.filter((k) => path.isAbsolute(k));
  let base = absolute.length > 0 ? path.dirname(absolute[0]!) : "";
  for (const k of absolute) while (base !== "" && !k.startsWith(base + path.sep) && base !== path.dirname(base)) base = path.dirname(base);
  const out = new Map<string, string>();
  for (const k of keys) {
    out.set(k, path.isAbsolute(k) ? path.relative(base, k).split(path.sep).join("/") : k);
  }
  return out;
}

type Ref = (t: protobuf.ReflectionObject) => string;

function describeType(t: protobuf.Type, ref: Ref): Record<string, unknown> {
  const nestedType: unknown[] = [];
  const enumType: unknown[] = [];
  const field = t.fieldsArray.map((f) => describeField(f, t, ref, nestedType));
  for (const n of t.nestedArray) {
    if (n instanceof protobuf.Type) nestedType.push(describeType(n, ref));
    else if (n instanceof protobuf.Enum) enumType.push(describeEnum(n));
  }
  const reserved = t.reserved ?? [];
  return {
    name: t.name,
    field,
    nestedType,
    enumType,
    oneofDecl: t.oneofsArray.map((o) => ({ name: o.name })),
    reservedRange: reserved.filter((r): r is number[] => Array.isArray(r)).map(([start, end]) => ({ start, end: end! + 1 })),
    reservedName: reserved.filter((r): r is string => typeof r === "string"),
  };
}

function describeField(f: protobuf.Field, owner: protobuf.Type, ref: Ref, nestedType: unknown[]): Record<string, unknown> {
  f.resolve();
  const out: Record<string, unknown> = { name: f.name, number: f.id, jsonName: jsonName(f.name) };
  if (f instanceof protobuf.MapField) {
    const entry = mapEntryName(f);
    const value: Record<string, unknown> = { name: "value", number: 2, label: 1, jsonName: "value", ...typeOf(f, ref) };
    nestedType.push({
      name: entry,
      field: [{ name: "key", number: 1, label: 1, jsonName: "key", type: SCALAR[f.keyType] ?? 9 }, value],
      options: { mapEntry: true },
    });
    return { ...out, label: 3, type: 11, typeName: `${owner.fullName}.${entry}` };
  }
  out["label"] = f.repeated ? 3 : f.required ? 2 : 1;
  Object.assign(out, typeOf(f, ref));
  if (f.partOf !== null) out["oneofIndex"] = owner.oneofsArray.indexOf(f.partOf);
  if (f.options?.["proto3_optional"]) out["proto3Optional"] = true;
  if (f.options?.["default"] !== undefined) out["defaultValue"] = String(f.options["default"]);
  return out;
}

function typeOf(f: protobuf.FieldBase, ref: Ref): Record<string, unknown> {
  const scalar = SCALAR[f.type];
  if (scalar !== undefined) return { type: scalar };
  const resolved = f.resolvedType;
  if (resolved instanceof protobuf.Enum) return { type: 14, typeName: ref(resolved) };
  if (resolved instanceof protobuf.Type) return { type: (f as { delimited?: boolean }).delimited === true ? 10 : 11, typeName: ref(resolved) };
  return { type: 11, typeName: f.type };
}

function describeEnum(e: protobuf.Enum): Record<string, unknown> {
  return { name: e.name, value: Object.entries(e.values).map(([name, number]) => ({ name, number })) };
}

function describeService(s: protobuf.Service, ref: Ref): Record<string, unknown> {
  return {
    name: s.name,
    method: s.methodsArray.map((m) => {
      m.resolve();
      return {
        name: m.name,
        inputType: ref(m.resolvedRequestType!),
        outputType: ref(m.resolvedResponseType!),
        clientStreaming: !!m.requestStream,
        serverStreaming: !!m.responseStream,
      };
    }),
  };
}

function indexSymbols(obj: protobuf.ReflectionObject, file: string, into: Map<string, string>): void {
  into.set(obj.fullName.replace(/^\./, ""), file);
  if (obj instanceof protobuf.Service) for (const m of obj.methodsArray) into.set(m.fullName.replace(/^\./, ""), file);
  if (obj instanceof protobuf.Type) {
    for (const f of obj.fieldsArray) if (f instanceof protobuf.MapField) into.set(`${obj.fullName.replace(/^\./, "")}.${mapEntryName(f)}`, file);
    for (const n of obj.nestedArray) if (n instanceof protobuf.Type || n instanceof protobuf.Enum) indexSymbols(n, file, into);
  }
}

/** The nested type protoc makes for a map field: `label_values` → `LabelValuesEntry`. */
function mapEntryName(f: protobuf.MapField): string {
  return `${f.name.split("_").map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("")}Entry`;
}

function jsonName(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
