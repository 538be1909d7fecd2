import type { Requiredness } from "./ast.js";
import type { SourcePos } from "./lexer.js";

export type { Requiredness } from "./ast.js";
export type { SourcePos } from "./lexer.js";

/** Annotations as written, `key → value` (a repeated key keeps its last value). */
export type ThriftAnnotations = Readonly<Record<string, string>>;

/** Base types; `byte` is read as `i8` and `slist` as `string`. */
export type ThriftBaseKind = "bool" | "i8" | "i16" | "i32" | "i64" | "double" | "string" | "binary" | "uuid";

/**
 * A resolved type: typedefs are followed to what they name; named types point at their
 * definition objects (so recursive structs form cycles of plain references).
 */
export type ThriftType =
  | { readonly kind: ThriftBaseKind; readonly annotations: ThriftAnnotations }
  | { readonly kind: "list" | "set"; readonly element: ThriftType; readonly annotations: ThriftAnnotations }
  | { readonly kind: "map"; readonly key: ThriftType; readonly value: ThriftType; readonly annotations: ThriftAnnotations }
  | { readonly kind: "enum"; readonly enum: ThriftEnum; readonly annotations: ThriftAnnotations }
  | { readonly kind: "struct"; readonly struct: ThriftStruct; readonly annotations: ThriftAnnotations };

/**
 * Constant values, as codecs hand them to users: bool → boolean, i8/i16/i32/enum/double → number,
 * i64 → bigint, string → string, binary → Uint8Array, uuid → string, list → Array, set → Set,
 * map → Map, struct → plain object keyed by field name.
 */
export type ThriftValue =
  | boolean | number | bigint | string | Uint8Array
  | readonly ThriftValue[] | ReadonlySet<ThriftValue> | ReadonlyMap<ThriftValue, ThriftValue>
  | { readonly [field: string]: ThriftValue };

export interface ThriftField {
  readonly id: number;
  readonly name: string;
  readonly type: ThriftType;
  readonly requiredness: Requiredness;
  /** The IDL default (`= value`), converted to the field's type. */
  readonly default?: ThriftValue;
  readonly annotations: ThriftAnnotations;
  readonly pos: SourcePos;
}

export interface ThriftStruct {
  readonly kind: "struct" | "union" | "exception";
  /** The name as declared (`Request`). */
  readonly name: string;
  /** `<file base name>.<name>` (`echo.Request`), unique across the loaded files. */
  readonly fullName: string;
  /** Fields in declaration order (the order encoders write them in). */
  readonly fields: readonly ThriftField[];
  readonly annotations: ThriftAnnotations;
  readonly pos: SourcePos;
}

export interface ThriftEnumValue {
  readonly name: string;
  readonly value: number;
  readonly annotations: ThriftAnnotations;
}

export interface ThriftEnum {
  readonly name: string;
  readonly fullName: string;
  readonly values: readonly ThriftEnumValue[];
  readonly annotations: ThriftAnnotations;
  readonly pos: SourcePos;
}

export interface ThriftConst {
  readonly name: string;
  readonly fullName: string;
  readonly type: ThriftType;
  readonly value: ThriftValue;
  readonly pos: SourcePos;
}

/** `streaming.mode` of a function; `none` when the annotation is absent. */
export type StreamingMode = "none" | "unary" | "client" | "server" | "bidirectional";

export interface ThriftFunction {
  readonly name: string;
  readonly oneway: boolean;
  /** `undefined` for `void`. */
  readonly returns: ThriftType | undefined;
  readonly params: readonly ThriftField[];
  readonly throws: readonly ThriftField[];
  readonly annotations: ThriftAnnotations;
  readonly streamingMode: StreamingMode;
  /** `<fn>_args`: field per parameter, as Apache and Kitex put on the wire for message-level calls. */
  readonly argsStruct: ThriftStruct;
  /** `<fn>_result`: field 0 `success` (unless void), then the declared exceptions at their ids. */
  readonly resultStruct: ThriftStruct;
  readonly pos: SourcePos;
}

export interface ThriftService {
  readonly name: string;
  readonly fullName: string;
  readonly extends: ThriftService | undefined;
  /** Functions declared in this service. */
  readonly functions: readonly ThriftFunction[];
  /** Inherited functions first (base-most service first), then this service's own. */
  readonly allFunctions: readonly ThriftFunction[];
  readonly annotations: ThriftAnnotations;
  /** The document the service is declared in. */
  readonly document: ThriftDocument;
  readonly pos: SourcePos;
}

export interface ThriftDocument {
  /** Absolute path (or the name given to `parseThrift`). */
  readonly file: string;
  /** File base name without `.thrift`: the prefix other files use to refer to its names. */
  readonly name: string;
  readonly namespaces: Readonly<Record<string, string>>;
  readonly includes: readonly ThriftDocument[];
  readonly structs: readonly ThriftStruct[];
  readonly enums: readonly ThriftEnum[];
  readonly consts: readonly ThriftConst[];
  readonly typedefs: ReadonlyMap<string, ThriftType>;
  readonly services: readonly ThriftService[];
}
