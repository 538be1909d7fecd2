import type { AstConstDef, AstDocument, AstService, AstType } from "./ast.js";
import { idlError, type SourcePos } from "./lexer.js";
import type { ThriftConst, ThriftEnum, ThriftService, ThriftStruct, ThriftType } from "./model.js";

/**
 * The names one file declares, and the files it includes (by reference name), with
 * lazily resolved typedefs, constants and services. Resolution is memoised per scope.
 * @internal
 */
export class FileScope {
  readonly structs = new Map<string, ThriftStruct>();
  readonly enums = new Map<string, ThriftEnum>();
  readonly typedefAst = new Map<string, { type: AstType; pos: SourcePos }>();
  readonly typedefs = new Map<string, ThriftType>();
  readonly constAst = new Map<string, AstConstDef>();
  readonly consts = new Map<string, ThriftConst>();
  readonly serviceAst = new Map<string, AstService>();
  readonly services = new Map<string, ThriftService>();
  readonly includes = new Map<string, FileScope>();
  /** Names being resolved right now, to report cycles instead of overflowing the stack. */
  readonly resolving = new Set<string>();

  constructor(readonly ast: AstDocument, readonly name: string) {}

  /** Every kind of name this file declares, for duplicate checks. */
  declares(name: string): boolean {
    return this.structs.has(name) || this.enums.has(name) || this.typedefAst.has(name)
      || this.constAst.has(name) || this.serviceAst.has(name);
  }

  /**
   * Find the scope and local name a possibly qualified name refers to: `Name` is local,
   * `inc.Name` is `Name` in the included file whose base name is `inc`.
   */
  locate(name: string): Array<{ scope: FileScope; local: string }> {
    const out: Array<{ scope: FileScope; local: string }> = [{ scope: this, local: name }];
    const dot = name.indexOf(".");
    if (dot > 0) {
      const inc = this.includes.get(name.slice(0, dot));
      if (inc) out.unshift({ scope: inc, local: name.slice(dot + 1) });
    }
    return out;
  }
}

/** Throw the standard "declared twice" error. */
export function checkUnique(scope: FileScope, name: string, pos: SourcePos): void {
  if (scope.declares(name)) throw idlError(pos, `"${name}" is already defined in ${scope.ast.file}`);
  if (name.includes(".")) throw idlError(pos, `a definition name cannot contain ".": "${name}"`);
}
