import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Code, RpcError } from "../../core/index.js";
import { idlError } from "./lexer.js";
import type { ThriftConst, ThriftDocument, ThriftEnum, ThriftService, ThriftStruct } from "./model.js";
import { parseThriftDocument } from "./parser.js";
import { resolveFiles, type ParsedFile } from "./resolve.js";

export interface ThriftIdlOptions {
  /** Folders searched for includes, after the including file's own folder. Default: none. */
  includeDirs?: readonly string[];
  /**
   * In-memory files by path (relative paths are taken from the current folder), consulted before
   * the disk; lets `parseThriftIdl` resolve includes without files. Default: none.
   */
  files?: Readonly<Record<string, string>>;
}

/**
 * A loaded and resolved set of `.thrift` files. Names are looked up as `Name` (in the main file)
 * or `<file base name>.Name` (in any loaded file).
 */
export interface ThriftIdl {
  /** The main file. */
  readonly root: ThriftDocument;
  /** Every loaded file, includes before the files that include them. */
  readonly documents: readonly ThriftDocument[];
  service(name: string): ThriftService;
  struct(name: string): ThriftStruct;
  enum(name: string): ThriftEnum;
  constant(name: string): ThriftConst;
}

/**
 * Load a `.thrift` file and everything it includes, and resolve every name.
 * Includes are searched beside the including file, then in `includeDirs`.
 * Bad IDL throws RpcError INVALID_ARGUMENT `file:line:col: …`; a missing file NOT_FOUND.
 *
 * @example
 * const idl = loadThriftIdl("idl/echo.thrift", { includeDirs: ["idl/common"] });
 * idl.service("Echo").allFunctions.map((f) => f.name);
 */
export function loadThriftIdl(file: string, options: ThriftIdlOptions = {}): ThriftIdl {
  const abs = path.resolve(file);
  const loader = new Loader(options);
  const source = loader.read(abs);
  if (source === undefined) throw new RpcError(Code.NotFound, `no Thrift IDL file at ${abs}`);
  return loader.finish(loader.parse(abs, source));
}

/**
 * Parse IDL text. `fileName` names it in errors and anchors relative includes (default
 * `"input.thrift"` in the current folder).
 *
 * @example
 * const idl = parseThriftIdl(`service Echo { string ping(1: string msg) }`);
 */
export function parseThriftIdl(source: string, options: ThriftIdlOptions & { fileName?: string } = {}): ThriftIdl {
  const loader = new Loader(options);
  return loader.finish(loader.parse(path.resolve(options.fileName ?? "input.thrift"), source));
}

class Loader {
  private readonly parsed = new Map<string, ParsedFile>();
  private readonly loading = new Set<string>();
  private readonly files: Map<string, string>;

  constructor(private readonly options: ThriftIdlOptions) {
    this.files = new Map(Object.entries(options.files ?? {}).map(([k, v]) => [path.resolve(k), v]));
  }

  read(abs: string): string | undefined {
    const mem = this.files.get(abs);
    if (mem !== undefined) return mem;
    return existsSync(abs) ? readFileSync(abs, "utf8") : undefined;
  }

  parse(abs: string, source: string): ParsedFile {
    const done = this.parsed.get(abs);
    if (done) return done;
    this.loading.add(abs);
    const ast = parseThriftDocument(source, abs);
    const includes: { include: (typeof ast.includes)[number]; file: ParsedFile }[] = [];
    for (const include of ast.includes) {
      const target = this.locate(abs, include.path);
      if (!target) throw idlError(include.pos, `cannot find included file "${include.path}"`);
      if (this.loading.has(target.abs)) throw idlError(include.pos, `include cycle: "${include.path}" includes this file again`);
      includes.push({ include, file: this.parse(target.abs, target.source) });
    }
    this.loading.delete(abs);
    const file: ParsedFile = { ast, includes };
    this.parsed.set(abs, file);
    return file;
  }

  finish(root: ParsedFile): ThriftIdl {
    const docs = resolveFiles(root);
    return createIdl(docs.get(root)!, [...docs.values()]);
  }

  private locate(from: string, target: string): { abs: string; source: string } | undefined {
    const candidates = path.isAbsolute(target)
      ? [target]
      : [path.resolve(path.dirname(from), target), ...(this.options.includeDirs ?? []).map((d) => path.resolve(d, target))];
    for (const abs of candidates) {
      const source = this.read(abs);
      if (source !== undefined) return { abs, source };
    }
    return undefined;
  }
}

function createIdl(root: ThriftDocument, documents: ThriftDocument[]): ThriftIdl {
  const find = <T>(name: string, what: string, pick: (d: ThriftDocument) => readonly (T & { name: string })[]): T => {
    const dot = name.lastIndexOf(".");
    const docs = dot > 0 ? documents.filter((d) => d.name === name.slice(0, dot)) : [root];
    const local = dot > 0 ? name.slice(dot + 1) : name;
    for (const d of docs) {
      const hit = pick(d).find((x) => x.name === local);
      if (hit) return hit;
    }
    throw new RpcError(Code.NotFound, `no ${what} named "${name}" in ${root.file}`);
  };
  return Object.freeze({
    root,
    documents: Object.freeze(documents),
    service: (name: string) => find(name, "service", (d) => d.services),
    struct: (name: string) => find(name, "struct", (d) => d.structs),
    enum: (name: string) => find(name, "enum", (d) => d.enums),
    constant: (name: string) => find(name, "constant", (d) => d.consts),
  });
}
