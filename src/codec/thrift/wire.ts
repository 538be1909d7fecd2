import type { ThriftType } from "../../idl/thrift/index.js";

/** The two Thrift payload protocols. */
export type ThriftProtocol = "binary" | "compact";

/** Thrift's type ids as the binary protocol writes them (TType). */
export const TType = Object.freeze({
  STOP: 0, VOID: 1, BOOL: 2, BYTE: 3, DOUBLE: 4, I16: 6, I32: 8, I64: 10,
  STRING: 11, STRUCT: 12, MAP: 13, SET: 14, LIST: 15, UUID: 16,
});

/** Type ids of the compact protocol. Booleans in fields carry their value in the type (1 true, 2 false). */
export const CType = Object.freeze({
  STOP: 0, BOOLEAN_TRUE: 1, BOOLEAN_FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7,
  BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12, UUID: 13,
});

/** Binary TType of a resolved type. @internal */
export function binaryType(t: ThriftType): number {
  switch (t.kind) {
    case "bool": return TType.BOOL;
    case "i8": return TType.BYTE;
    case "i16": return TType.I16;
    case "i32": case "enum": return TType.I32;
    case "i64": return TType.I64;
    case "double": return TType.DOUBLE;
    case "string": case "binary": return TType.STRING;
    case "uuid": return TType.UUID;
    case "struct": return TType.STRUCT;
    case "map": return TType.MAP;
    case "set": return TType.SET;
    case "list": return TType.LIST;
  }
}

/** Compact type id of a resolved type (bool as BOOLEAN_TRUE, as element types are written). @internal */
export function compactType(t: ThriftType): number {
  switch (t.kind) {
    case "bool": return CType.BOOLEAN_TRUE;
    case "i8": return CType.BYTE;
    case "i16": return CType.I16;
    case "i32": case "enum": return CType.I32;
    case "i64": return CType.I64;
    case "double": return CType.DOUBLE;
    case "string": case "binary": return CType.BINARY;
    case "uuid": return CType.UUID;
    case "struct": return CType.STRUCT;
    case "map": return CType.MAP;
    case "set": return CType.SET;
    case "list": return CType.LIST;
  }
}

/**
 * Fewest bytes one value of a binary TType takes (index = TType; 0 = not a valid type).
 * Container sizes are checked against these before anything is allocated. @internal
 */
export const BINARY_MIN_SIZE: readonly number[] = (() => {
  const a = new Array<number>(17).fill(0);
  a[TType.BOOL] = 1; a[TType.BYTE] = 1; a[TType.DOUBLE] = 8; a[TType.I16] = 2; a[TType.I32] = 4;
  a[TType.I64] = 8; a[TType.STRING] = 4; a[TType.STRUCT] = 1; a[TType.MAP] = 6; a[TType.SET] = 5;
  a[TType.LIST] = 5; a[TType.UUID] = 16;
  return a;
})();

/** Fewest bytes one value of a compact type takes (index = compact id; 0 = not a valid type). @internal */
export const COMPACT_MIN_SIZE: readonly number[] = [0, 1, 1, 1, 1, 1, 1, 8, 1, 1, 1, 1, 1, 16];

/** Human name of a binary TType, for errors. @internal */
export function ttypeName(t: number): string {
  const e = Object.entries(TType).find(([, v]) => v === t);
  return e ? e[0] : `type ${t}`;
}
