export { loadThriftIdl, parseThriftIdl, type ThriftIdl, type ThriftIdlOptions } from "./load.js";
export { parseThriftDocument } from "./parser.js";
export { idlError, type SourcePos } from "./lexer.js";
export type {
  ThriftAnnotations, ThriftBaseKind, ThriftType, ThriftValue, ThriftField, ThriftStruct, ThriftEnum, ThriftEnumValue,
  ThriftConst, ThriftFunction, ThriftService, ThriftDocument, StreamingMode, Requiredness,
} from "./model.js";
export { typeName } from "./resolve-type.js";
