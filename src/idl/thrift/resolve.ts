import type { AstDocument, AstField, AstFunction, AstInclude, AstService } from "./ast.js";
import { idlError } from "./lexer.js";
import type { StreamingMode, ThriftDocument, ThriftField, ThriftFunction, ThriftService, ThriftStruct } from "./model.js";
import { constValue, lookupConst } from "./resolve-const.js";
import { annotationRecord, resolveType } from "./resolve-type.js";
import { checkUnique, FileScope } from "./scope.js";

/** One parsed file and the files its `include`s resolved to, in order. @internal */
export interface ParsedFile {
  readonly ast: AstDocument;
  readonly includes: ReadonlyArray<{ readonly include: AstInclude; readonly file: ParsedFile }>;
}

const STREAMING_MODES: Readonly<Record<string, StreamingMode>> = {
  unary: "unary", client: "client", server: "server", bidirectional: "bidirectional",
};

/** Resolve a graph of parsed files into the model; returns the documents by parsed file. @internal */
export function resolveFiles(root: ParsedFile): Map<ParsedFile, ThriftDocument> {
  const scopes = new Map<ParsedFile, FileScope>();
  const order: ParsedFile[] = [];
  const visit = (f: ParsedFile): FileScope => {
    let s = scopes.get(f);
    if (s) return s;
    s = new FileScope(f.ast, baseName(f.ast.file));
    scopes.set(f, s);
    for (const { include, file } of f.includes) {
      const inc = visit(file);
      const prior = s.includes.get(inc.name);
      if (prior && prior !== inc) throw idlError(include.pos, `two included files are both named "${inc.name}"`);
      s.includes.set(inc.name, inc);
    }
    order.push(f);
    return s;
  };
  visit(root);
  const all = order.map((f) => scopes.get(f)!);
  for (const s of all) declare(s);
  for (const s of all) for (const st of s.structs.values()) resolveFields(s, st);
  for (const s of all) for (const st of s.structs.values()) resolveDefaults(s, st);
  for (const s of all) for (const [name, def] of s.constAst) lookupConst(s, name, def.pos);
  for (const s of all) for (const name of s.serviceAst.keys()) resolveService(s, name);
  const docs = new Map<ParsedFile, ThriftDocument>();
  const byScope = new Map<FileScope, ThriftDocument>();
  for (const f of order) {
    const s = scopes.get(f)!;
    const doc = buildDocument(s, f.includes.map((i) => byScope.get(scopes.get(i.file)!)!));
    byScope.set(s, doc);
    docs.set(f, doc);
  }
  return docs;
}

function baseName(file: string): string {
  const b = file.split(/[\\/]/).pop() ?? file;
  return b.endsWith(".thrift") ? b.slice(0, -7) : b;
}

function declare(s: FileScope): void {
  for (const d of s.ast.definitions) {
    const n = d.node;
    checkUnique(s, n.name, n.pos);
    switch (d.def) {
      case "struct":
        s.structs.set(n.name, {
          kind: d.node.kind, name: n.name, fullName: `${s.name}.${n.name}`, fields: [],
          annotations: annotationRecord(d.node.annotations), pos: n.pos,
        });
        break;
      case "enum":
        s.enums.set(n.name, Object.freeze({
          name: n.name, fullName: `${s.name}.${n.name}`, pos: n.pos, annotations: annotationRecord(d.node.annotations),
          values: Object.freeze(d.node.values.map((v) => Object.freeze({ name: v.name, value: v.value, annotations: annotationRecord(v.annotations) }))),
        }));
        break;
      case "typedef": s.typedefAst.set(n.name, { type: d.node.type, pos: n.pos }); break;
      case "const": s.constAst.set(n.name, d.node); break;
      case "service": s.serviceAst.set(n.name, d.node); break;
    }
  }
}

function astFor(s: FileScope, st: ThriftStruct) {
  for (const d of s.ast.definitions) if (d.def === "struct" && d.node.name === st.name) return d.node;
  throw new Error(`internal: no syntax for ${st.fullName}`);
}

function toField(s: FileScope, f: AstField): ThriftField {
  return { id: f.id, name: f.name, type: resolveType(s, f.type), requiredness: f.requiredness, annotations: annotationRecord(f.annotations), pos: f.pos };
}

function resolveFields(s: FileScope, st: ThriftStruct): void {
  const ast = astFor(s, st);
  const fields = st.fields as ThriftField[];
  for (const f of ast.fields) {
    if (st.kind === "union" && f.requiredness === "required") throw idlError(f.pos, `union ${st.name} cannot have required field ${f.name}`);
    fields.push(toField(s, f));
  }
}

function resolveDefaults(s: FileScope, st: ThriftStruct): void {
  const ast = astFor(s, st);
  ast.fields.forEach((f, i) => {
    const field = st.fields[i] as { default?: unknown } & ThriftField;
    if (f.defaultValue) field.default = constValue(s, f.defaultValue, field.type);
    Object.freeze(field);
  });
  Object.freeze(st.fields);
  Object.freeze(st);
}

function resolveService(s: FileScope, name: string): ThriftService {
  const done = s.services.get(name);
  if (done) return done;
  const ast = s.serviceAst.get(name)!;
  const key = `service ${name}`;
  if (s.resolving.has(key)) throw idlError(ast.pos, `service ${name} extends itself`);
  s.resolving.add(key);
  try {
    const base = ast.extends ? findService(s, ast.extends.name, ast.extends.pos) : undefined;
    const functions = ast.functions.map((f) => resolveFunction(s, ast, f));
    const inherited = base?.allFunctions ?? [];
    for (const f of functions) {
      if (inherited.some((g) => g.name === f.name)) throw idlError(f.pos, `function ${f.name} is already defined in base service ${base!.fullName}`);
    }
    const svc: ThriftService = {
      name, fullName: `${s.name}.${name}`, extends: base, functions: Object.freeze(functions),
      allFunctions: Object.freeze([...inherited, ...functions]), annotations: annotationRecord(ast.annotations),
      document: undefined as unknown as ThriftDocument, pos: ast.pos,
    };
    s.services.set(name, svc);
    return svc;
  } finally {
    s.resolving.delete(key);
  }
}

function findService(s: FileScope, name: string, pos: AstService["pos"]): ThriftService {
  for (const { scope, local } of s.locate(name)) if (scope.serviceAst.has(local)) return resolveService(scope, local);
  throw idlError(pos, `unknown service "${name}"`);
}

function resolveFunction(s: FileScope, svc: AstService, f: AstFunction): ThriftFunction {
  const params = f.params.map((p) => { const x = toField(s, p); if (p.defaultValue) (x as { default?: unknown }).default = constValue(s, p.defaultValue, x.type); return Object.freeze(x); });
  const throws = f.throws.map((t) => Object.freeze({ ...toField(s, t), requiredness: "optional" as const }));
  for (const t of throws) {
    if (t.type.kind !== "struct" || t.type.struct.kind !== "exception") throw idlError(t.pos, `${f.name} throws ${t.name}, which is not an exception type`);
  }
  const returns = f.returns ? resolveType(s, f.returns) : undefined;
  const streamingMode = streamingOf(f);
  if (streamingMode !== "none" && f.params.length !== 1) {
    throw idlError(f.pos, `streaming function ${f.name} must take exactly one argument, it takes ${f.params.length}`);
  }
  const prefix = `${s.name}.${svc.name}_${f.name}`;
  const argsStruct: ThriftStruct = Object.freeze({
    kind: "struct", name: `${svc.name}_${f.name}_args`, fullName: `${prefix}_args`, fields: Object.freeze(params), annotations: {}, pos: f.pos,
  });
  const success = returns ? [Object.freeze({ id: 0, name: "success", type: returns, requiredness: "optional" as const, annotations: {}, pos: f.pos })] : [];
  const resultStruct: ThriftStruct = Object.freeze({
    kind: "struct", name: `${svc.name}_${f.name}_result`, fullName: `${prefix}_result`, fields: Object.freeze([...success, ...throws]), annotations: {}, pos: f.pos,
  });
  return Object.freeze({
    name: f.name, oneway: f.oneway, returns, params: argsStruct.fields, throws: Object.freeze(throws),
    annotations: annotationRecord(f.annotations), streamingMode, argsStruct, resultStruct, pos: f.pos,
  });
}

function streamingOf(f: AstFunction): StreamingMode {
  const anns = f.annotations.filter((a) => a.key === "streaming.mode");
  if (anns.length === 0) return "none";
  if (anns.length > 1) throw idlError(anns[1]!.pos, `function ${f.name} has more than one streaming.mode annotation`);
  const a = anns[0]!;
  const mode = STREAMING_MODES[a.value];
  if (!mode) throw idlError(a.pos, `invalid value (${a.value}) for annotation streaming.mode: use unary, client, server or bidirectional`);
  if (f.oneway) throw idlError(a.pos, `oneway function ${f.name} cannot be a streaming function`);
  return mode;
}

function buildDocument(s: FileScope, includes: ThriftDocument[]): ThriftDocument {
  const doc: ThriftDocument = {
    file: s.ast.file, name: s.name, namespaces: Object.freeze({ ...s.ast.namespaces }), includes: Object.freeze(includes),
    structs: Object.freeze([...s.structs.values()]), enums: Object.freeze([...s.enums.values()]),
    consts: Object.freeze([...s.consts.values()]), typedefs: new Map([...s.typedefAst.keys()].map((n) => [n, lookupTypedef(s, n)])),
    services: Object.freeze([...s.serviceAst.keys()].map((n) => s.services.get(n)!)),
  };
  for (const svc of doc.services) Object.freeze(Object.assign(svc as { document: ThriftDocument }, { document: doc }));
  return Object.freeze(doc);
}

function lookupTypedef(s: FileScope, name: string) {
  return resolveType(s, { kind: "named", name, pos: s.typedefAst.get(name)!.pos, annotations: [] });
}
