import type { SourcePos } from "./lexer.js";

/**
 * The syntax tree of one `.thrift` file, as written: names are not resolved yet.
 * `resolve.ts` turns a set of these into the resolved model of `model.ts`.
 * @internal
 */
export interface AstAnnotation {
  readonly key: string;
  readonly value: string;
  readonly pos: SourcePos;
}

export type AstType =
  | { readonly kind: "base"; readonly name: string; readonly pos: SourcePos; readonly annotations: readonly AstAnnotation[] }
  | { readonly kind: "list" | "set"; readonly element: AstType; readonly pos: SourcePos; readonly annotations: readonly AstAnnotation[] }
  | { readonly kind: "map"; readonly key: AstType; readonly value: AstType; readonly pos: SourcePos; readonly annotations: readonly AstAnnotation[] }
  | { readonly kind: "named"; readonly name: string; readonly pos: SourcePos; readonly annotations: readonly AstAnnotation[] };

export type AstConst =
  | { readonly kind: "int"; readonly value: bigint; readonly pos: SourcePos }
  | { readonly kind: "double"; readonly value: number; readonly pos: SourcePos }
  | { readonly kind: "string"; readonly value: string; readonly pos: SourcePos }
  | { readonly kind: "ident"; readonly name: string; readonly pos: SourcePos }
  | { readonly kind: "list"; readonly items: readonly AstConst[]; readonly pos: SourcePos }
  | { readonly kind: "map"; readonly entries: readonly (readonly [AstConst, AstConst])[]; readonly pos: SourcePos };

export type Requiredness = "required" | "optional" | "default";

export interface AstField {
  /** Explicit id, or a negative id assigned in order (-1, -2, …) when the IDL leaves it out. */
  readonly id: number;
  readonly explicitId: boolean;
  readonly name: string;
  readonly requiredness: Requiredness;
  readonly type: AstType;
  readonly defaultValue?: AstConst;
  readonly annotations: readonly AstAnnotation[];
  readonly pos: SourcePos;
}

export interface AstStruct {
  readonly kind: "struct" | "union" | "exception";
  readonly name: string;
  readonly fields: readonly AstField[];
  readonly annotations: readonly AstAnnotation[];
  readonly pos: SourcePos;
}

export interface AstEnumValue {
  readonly name: string;
  readonly value: number;
  readonly annotations: readonly AstAnnotation[];
  readonly pos: SourcePos;
}

export interface AstEnum {
  readonly name: string;
  readonly values: readonly AstEnumValue[];
  readonly annotations: readonly AstAnnotation[];
  readonly pos: SourcePos;
}

export interface AstTypedef {
  readonly name: string;
  readonly type: AstType;
  readonly annotations: readonly AstAnnotation[];
  readonly pos: SourcePos;
}

export interface AstConstDef {
  readonly name: string;
  readonly type: AstType;
  readonly value: AstConst;
  readonly pos: SourcePos;
}

export interface AstFunction {
  readonly name: string;
  readonly oneway: boolean;
  /** `undefined` for `void`. */
  readonly returns: AstType | undefined;
  readonly params: readonly AstField[];
  readonly throws: readonly AstField[];
  readonly annotations: readonly AstAnnotation[];
  readonly pos: SourcePos;
}

export interface AstService {
  readonly name: string;
  readonly extends?: { readonly name: string; readonly pos: SourcePos };
  readonly functions: readonly AstFunction[];
  readonly annotations: readonly AstAnnotation[];
  readonly pos: SourcePos;
}

export interface AstInclude {
  readonly path: string;
  readonly pos: SourcePos;
}

export type AstDefinition =
  | { readonly def: "struct"; readonly node: AstStruct }
  | { readonly def: "enum"; readonly node: AstEnum }
  | { readonly def: "typedef"; readonly node: AstTypedef }
  | { readonly def: "const"; readonly node: AstConstDef }
  | { readonly def: "service"; readonly node: AstService };

export interface AstDocument {
  readonly file: string;
  readonly includes: readonly AstInclude[];
  /** Language → namespace, as written (`namespace go echo` gives `{ go: "echo" }`). */
  readonly namespaces: Readonly<Record<string, string>>;
  /** Definitions in the order they appear. */
  readonly definitions: readonly AstDefinition[];
}
