import type {
  AstAnnotation, AstConst, AstDefinition, AstDocument, AstEnum, AstEnumValue, AstField, AstFunction,
  AstInclude, AstService, AstStruct, AstType, Requiredness,
} from "./ast.js";
import { idlError, tokenize, type SourcePos, type Token } from "./lexer.js";

const BASE_TYPES = new Set(["bool", "byte", "i8", "i16", "i32", "i64", "double", "string", "binary", "uuid", "slist"]);
const MAX_FIELD_ID = 32767;

/**
 * Parse the text of one `.thrift` file into its syntax tree (no include or name resolution).
 * Bad IDL throws an RpcError INVALID_ARGUMENT whose message starts with `file:line:col:`.
 */
export function parseThriftDocument(source: string, file: string): AstDocument {
  return new Parser(tokenize(source, file), file).document();
}

class Parser {
  private i = 0;
  constructor(private readonly toks: readonly Token[], private readonly file: string) {}

  document(): AstDocument {
    const includes: AstInclude[] = [];
    const namespaces: Record<string, string> = {};
    const definitions: AstDefinition[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "eof") break;
      if (t.kind !== "ident") throw this.unexpected(t, "a definition");
      this.i++;
      switch (t.text) {
        case "include": includes.push({ path: this.stringLit("an include path"), pos: t.pos }); break;
        case "cpp_include": this.stringLit("a cpp_include path"); break;
        case "namespace": this.namespace(namespaces); break;
        case "struct": case "union": case "exception":
          definitions.push({ def: "struct", node: this.struct(t.text, t.pos) }); break;
        case "enum": definitions.push({ def: "enum", node: this.enumDef(t.pos) }); break;
        case "senum": this.senum(); break;
        case "typedef": definitions.push({ def: "typedef", node: this.typedef(t.pos) }); break;
        case "const": definitions.push({ def: "const", node: this.constDef(t.pos) }); break;
        case "service": definitions.push({ def: "service", node: this.service(t.pos) }); break;
        default: throw idlError(t.pos, `unexpected "${t.text}", expected a definition (struct, enum, service, …)`);
      }
      this.separator();
    }
    return { file: this.file, includes, namespaces, definitions };
  }

  private namespace(out: Record<string, string>): void {
    const scope = this.peek();
    if (scope.kind === "punct" && scope.text === "*") this.i++;
    else this.ident("a namespace scope");
    const name = this.peek().kind === "string" ? this.stringLit("a namespace") : this.ident("a namespace");
    out[scope.text] = name;
    this.annotations();
  }

  private struct(kind: "struct" | "union" | "exception", pos: SourcePos): AstStruct {
    const name = this.ident(`a ${kind} name`);
    if (this.peekIdent("xsd_all")) this.i++;
    const fields = this.fieldList("{", "}", `${kind} ${name}`);
    return { kind, name, fields, annotations: this.annotations(), pos };
  }

  private enumDef(pos: SourcePos): AstEnum {
    const name = this.ident("an enum name");
    this.expect("{");
    const values: AstEnumValue[] = [];
    let next = 0;
    while (!this.accept("}")) {
      const vpos = this.peek().pos;
      const vname = this.ident("an enum value name");
      let value = next;
      if (this.accept("=")) value = this.int32(`the value of ${name}.${vname}`);
      if (values.some((v) => v.name === vname)) throw idlError(vpos, `enum ${name} has two values named ${vname}`);
      values.push({ name: vname, value, annotations: this.annotations(), pos: vpos });
      next = value + 1;
      this.separator();
    }
    return { name, values, annotations: this.annotations(), pos };
  }

  private senum(): void {
    this.ident("an senum name");
    this.expect("{");
    while (!this.accept("}")) { this.stringLit("an senum value"); this.separator(); }
    this.annotations();
  }

  private typedef(pos: SourcePos) {
    const type = this.fieldType();
    const name = this.ident("a typedef name");
    return { name, type, annotations: this.annotations(), pos };
  }

  private constDef(pos: SourcePos) {
    const type = this.fieldType();
    const name = this.ident("a constant name");
    this.expect("=");
    return { name, type, value: this.constValue(), pos };
  }

  private service(pos: SourcePos): AstService {
    const name = this.ident("a service name");
    let ext: AstService["extends"];
    if (this.peekIdent("extends")) {
      this.i++;
      const epos = this.peek().pos;
      ext = { name: this.ident("the name of the extended service"), pos: epos };
    }
    this.expect("{");
    const functions: AstFunction[] = [];
    while (!this.accept("}")) {
      const f = this.func();
      if (functions.some((g) => g.name === f.name)) throw idlError(f.pos, `service ${name} has two functions named ${f.name}`);
      functions.push(f);
      this.separator();
    }
    return { name, ...(ext ? { extends: ext } : {}), functions, annotations: this.annotations(), pos };
  }

  private func(): AstFunction {
    const pos = this.peek().pos;
    let oneway = false;
    if (this.peekIdent("oneway") || this.peekIdent("async")) { this.i++; oneway = true; }
    let returns: AstType | undefined;
    if (this.peekIdent("void")) this.i++;
    else returns = this.fieldType();
    const name = this.ident("a function name");
    const params = this.fieldList("(", ")", `the parameters of ${name}`);
    let throws: readonly AstField[] = [];
    if (this.peekIdent("throws")) { this.i++; throws = this.fieldList("(", ")", `the exceptions of ${name}`); }
    if (oneway && returns) throw idlError(pos, `oneway function ${name} must return void`);
    if (oneway && throws.length) throw idlError(pos, `oneway function ${name} cannot throw exceptions`);
    return { name, oneway, returns, params, throws, annotations: this.annotations(), pos };
  }

  private fieldList(open: string, close: string, owner: string): AstField[] {
    this.expect(open);
    const fields: AstField[] = [];
    let implicit = -1;
    while (!this.accept(close)) {
      const f = this.field(implicit, owner);
      if (!f.explicitId) implicit--;
      if (fields.some((g) => g.id === f.id)) throw idlError(f.pos, `${owner} has two fields with id ${f.id}`);
      if (fields.some((g) => g.name === f.name)) throw idlError(f.pos, `${owner} has two fields named ${f.name}`);
      fields.push(f);
      this.separator();
    }
    return fields;
  }

  private field(implicitId: number, owner: string): AstField {
    const pos = this.peek().pos;
    let id = implicitId;
    let explicitId = false;
    const t = this.peek();
    if (t.kind === "int") {
      this.i++;
      this.expect(":");
      const v = t.value as bigint;
      if (v < 1n || v > BigInt(MAX_FIELD_ID)) throw idlError(t.pos, `field id ${v} in ${owner} is outside 1..${MAX_FIELD_ID}`);
      id = Number(v);
      explicitId = true;
    }
    let requiredness: Requiredness = "default";
    if (this.peekIdent("required") || this.peekIdent("optional")) requiredness = this.next().text as Requiredness;
    const type = this.fieldType();
    const npos = this.peek().pos;
    const name = this.ident("a field name");
    if (name === "__proto__") throw idlError(npos, "a field cannot be named __proto__ (it would set a JavaScript prototype)");
    let defaultValue: AstConst | undefined;
    if (this.accept("=")) defaultValue = this.constValue();
    this.xsdOptions();
    const annotations = this.annotations();
    return { id, explicitId, name, requiredness, type, ...(defaultValue ? { defaultValue } : {}), annotations, pos };
  }

  private xsdOptions(): void {
    if (this.peekIdent("xsd_optional")) this.i++;
    if (this.peekIdent("xsd_nillable")) this.i++;
    if (this.peekIdent("xsd_attrs")) { this.i++; this.fieldList("{", "}", "xsd_attrs"); }
  }

  private fieldType(): AstType {
    const t = this.next();
    if (t.kind !== "ident") throw this.unexpected(t, "a type");
    if (t.text === "map" || t.text === "set" || t.text === "list") {
      if (this.peekIdent("cpp_type")) { this.i++; this.stringLit("a cpp_type"); }
      this.expect("<");
      if (t.text === "map") {
        const key = this.fieldType();
        this.expect(",");
        const value = this.fieldType();
        this.expect(">");
        return { kind: "map", key, value, pos: t.pos, annotations: this.annotations() };
      }
      const element = this.fieldType();
      this.expect(">");
      return { kind: t.text, element, pos: t.pos, annotations: this.annotations() };
    }
    if (BASE_TYPES.has(t.text)) return { kind: "base", name: t.text, pos: t.pos, annotations: this.annotations() };
    return { kind: "named", name: t.text, pos: t.pos, annotations: this.annotations() };
  }

  private constValue(): AstConst {
    const t = this.next();
    switch (t.kind) {
      case "int": return { kind: "int", value: t.value as bigint, pos: t.pos };
      case "double": return { kind: "double", value: t.value as number, pos: t.pos };
      case "string": return { kind: "string", value: t.value as string, pos: t.pos };
      case "ident": return { kind: "ident", name: t.text, pos: t.pos };
      case "punct":
        if (t.text === "[") {
          const items: AstConst[] = [];
          while (!this.accept("]")) { items.push(this.constValue()); this.separator(); }
          return { kind: "list", items, pos: t.pos };
        }
        if (t.text === "{") {
          const entries: [AstConst, AstConst][] = [];
          while (!this.accept("}")) {
            const k = this.constValue();
            this.expect(":");
            entries.push([k, this.constValue()]);
            this.separator();
          }
          return { kind: "map", entries, pos: t.pos };
        }
    }
    throw this.unexpected(t, "a constant value");
  }

  /** `( key = "value", key2 = "v" )`; a key without a value gets "1", as the Apache compiler does. */
  private annotations(): AstAnnotation[] {
    if (!this.accept("(")) return [];
    const out: AstAnnotation[] = [];
    while (!this.accept(")")) {
      const pos = this.peek().pos;
      const key = this.ident("an annotation key");
      let value = "1";
      if (this.accept("=")) value = this.stringLit(`the value of annotation ${key}`);
      out.push({ key, value, pos });
      this.separator();
    }
    return out;
  }

  private int32(what: string): number {
    const t = this.next();
    if (t.kind !== "int") throw this.unexpected(t, `an integer for ${what}`);
    const v = t.value as bigint;
    if (v < -2147483648n || v > 2147483647n) throw idlError(t.pos, `${what} (${v}) does not fit in i32`);
    return Number(v);
  }

  private separator(): void {
    const t = this.peek();
    if (t.kind === "punct" && (t.text === "," || t.text === ";")) this.i++;
  }

  private peek(): Token {
    return this.toks[this.i]!;
  }
  private next(): Token {
    const t = this.toks[this.i]!;
    if (t.kind !== "eof") this.i++;
    return t;
  }
  private peekIdent(word: string): boolean {
    const t = this.peek();
    return t.kind === "ident" && t.text === word;
  }
  private accept(punct: string): boolean {
    const t = this.peek();
    if (t.kind === "punct" && t.text === punct) { this.i++; return true; }
    return false;
  }
  private expect(punct: string): void {
    const t = this.next();
    if (t.kind !== "punct" || t.text !== punct) throw this.unexpected(t, `"${punct}"`);
  }
  private ident(what: string): string {
    const t = this.next();
    if (t.kind !== "ident") throw this.unexpected(t, what);
    return t.text;
  }
  private stringLit(what: string): string {
    const t = this.next();
    if (t.kind !== "string") throw this.unexpected(t, `${what} (a quoted string)`);
    return t.value as string;
  }
  private unexpected(t: Token, expected: string) {
    const got = t.kind === "eof" ? "end of file" : `"${t.text}"`;
    return idlError(t.pos, `unexpected ${got}, expected ${expected}`);
  }
}
