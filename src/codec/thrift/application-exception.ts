import { Code, RpcError } from "../../core/index.js";
import type { ThriftStruct } from "../../idl/thrift/index.js";
import { createStructCodec, type ThriftProtocol, type ThriftStructCodec } from "./struct-codec.js";

/** TApplicationException types (Apache Thrift's numbering). */
export const TApplicationExceptionType = Object.freeze({
  UNKNOWN: 0, UNKNOWN_METHOD: 1, INVALID_MESSAGE_TYPE: 2, WRONG_METHOD_NAME: 3, BAD_SEQUENCE_ID: 4,
  MISSING_RESULT: 5, INTERNAL_ERROR: 6, PROTOCOL_ERROR: 7, INVALID_TRANSFORM: 8, INVALID_PROTOCOL: 9,
  UNSUPPORTED_CLIENT_TYPE: 10,
});

/** The struct: `1: string message, 2: i32 type`. */
export interface TApplicationException {
  message?: string;
  type?: number;
}

const pos = { file: "<builtin>", line: 0, column: 0 };
const STRUCT: ThriftStruct = Object.freeze({
  kind: "exception", name: "TApplicationException", fullName: "thrift.TApplicationException", annotations: {}, pos,
  fields: Object.freeze([
    Object.freeze({ id: 1, name: "message", type: { kind: "string", annotations: {} }, requiredness: "optional", annotations: {}, pos }),
    Object.freeze({ id: 2, name: "type", type: { kind: "i32", annotations: {} }, requiredness: "optional", annotations: {}, pos }),
  ]),
} as ThriftStruct);

const codecs = new Map<ThriftProtocol, ThriftStructCodec<TApplicationException>>();

/** The codec of the TApplicationException struct (the body of an EXCEPTION message). */
export function applicationExceptionCodec(protocol: ThriftProtocol = "binary"): ThriftStructCodec<TApplicationException> {
  let c = codecs.get(protocol);
  if (!c) codecs.set(protocol, (c = createStructCodec<TApplicationException>(STRUCT, protocol)));
  return c;
}

/** An RpcError for a received TApplicationException (UNKNOWN_METHOD → UNIMPLEMENTED, …). */
export function applicationExceptionToError(x: TApplicationException): RpcError {
  const type = x.type ?? TApplicationExceptionType.UNKNOWN;
  const T = TApplicationExceptionType;
  let code: Code;
  switch (type) {
    case T.UNKNOWN_METHOD: case T.UNSUPPORTED_CLIENT_TYPE: code = Code.Unimplemented; break;
    case T.PROTOCOL_ERROR: case T.INVALID_PROTOCOL: case T.INVALID_TRANSFORM: case T.INVALID_MESSAGE_TYPE: code = Code.InvalidArgument; break;
    case T.UNKNOWN: code = Code.Unknown; break;
    default: code = Code.Internal;
  }
  return new RpcError(code, x.message ?? `TApplicationException type ${type}`, { details: [{ type: "thrift.application_exception", exceptionType: type }] });
}

/**
 * The TApplicationException to send for an error: UNIMPLEMENTED → UNKNOWN_METHOD,
 * INVALID_ARGUMENT → PROTOCOL_ERROR, anything else → INTERNAL_ERROR (as Kitex does for handler
 * errors); the message is the error's message without the `[CODE]` prefix.
 */
export function errorToApplicationException(e: unknown): Required<TApplicationException> {
  const err = RpcError.from(e);
  const T = TApplicationExceptionType;
  const type = err.code === Code.Unimplemented ? T.UNKNOWN_METHOD : err.code === Code.InvalidArgument ? T.PROTOCOL_ERROR : T.INTERNAL_ERROR;
  return { message: err.rawMessage, type };
}
