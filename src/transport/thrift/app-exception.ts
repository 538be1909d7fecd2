import type { RpcError } from "../../core/index.js";
import {
  applicationExceptionCodec, applicationExceptionToError, errorToApplicationException, TApplicationExceptionType as T,
} from "../../codec/thrift/index.js";
import type { ThriftProtocol } from "./message.js";

/**
 * TApplicationException for the Thrift transports: the struct codec, and the mapping to and from
 * RpcError, are the codec layer's (one definition for Thrift over gRPC and every Thrift transport).
 */
export const AppExceptionType = Object.freeze({
  Unknown: T.UNKNOWN,
  UnknownMethod: T.UNKNOWN_METHOD,
  InvalidMessageType: T.INVALID_MESSAGE_TYPE,
  WrongMethodName: T.WRONG_METHOD_NAME,
  BadSequenceId: T.BAD_SEQUENCE_ID,
  MissingResult: T.MISSING_RESULT,
  InternalError: T.INTERNAL_ERROR,
  ProtocolError: T.PROTOCOL_ERROR,
  InvalidTransform: T.INVALID_TRANSFORM,
  InvalidProtocol: T.INVALID_PROTOCOL,
  UnsupportedClientType: T.UNSUPPORTED_CLIENT_TYPE,
});

/** A TApplicationException: free-form message and a type id (see `AppExceptionType`). */
export interface AppException {
  readonly message: string;
  readonly type: number;
}

/** The struct `{1: string message, 2: i32 type}` followed by STOP, in either protocol. */
export function encodeAppException(protocol: ThriftProtocol, e: AppException): Buffer {
  const bytes = applicationExceptionCodec(protocol).encode({ message: e.message, type: e.type });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decode the TApplicationException struct that starts at `off` and ends the buffer; unknown fields are skipped. */
export function decodeAppException(protocol: ThriftProtocol, b: Uint8Array, off = 0): AppException {
  const x = applicationExceptionCodec(protocol).decode(b.subarray(off));
  return { message: x.message ?? "", type: x.type ?? T.UNKNOWN };
}

/** The RpcError a received TApplicationException stands for (UNKNOWN_METHOD → UNIMPLEMENTED, …). */
export function appExceptionToError(e: AppException): RpcError {
  return applicationExceptionToError(e);
}

/** The TApplicationException a server sends for an error (UNIMPLEMENTED → UNKNOWN_METHOD, …). */
export function appExceptionFromError(e: RpcError): AppException {
  return errorToApplicationException(e);
}
