/**
 * Thrift for Weir: IDL loading into service descriptors, load-time compiled binary and compact
 * codecs, message headers, TApplicationException, declared exceptions and FieldMask.
 * This is the `weir/thrift` entry.
 */
export * from "../../idl/thrift/index.js";
export { loadThrift, parseThrift, wrapIdl, thriftServiceDescriptor, thriftMethodOf, type ThriftPackage, type ThriftServiceMeta, type LoadThriftOptions } from "./service.js";
export { createStructCodec, type ThriftStructCodec, type ThriftCodecOptions, type ThriftProtocol } from "./struct-codec.js";
export type { I64Mode } from "./gen-unit.js";
export type { ThriftMethod, ThriftFunctionCodecs } from "./method-codecs.js";
export { thriftException, thriftExceptionOf, type ThriftExceptionDetail } from "./exception.js";
export { ThriftWriter, ThriftReader, MAX_ENCODED_BYTES } from "./writer.js";
export { ThriftMessageType, writeMessageHeader, readMessageHeader, encodeMessage, decodeMessageHeader, MAX_METHOD_NAME_BYTES, type ThriftMessageHeader } from "./message.js";
export {
  TApplicationExceptionType, applicationExceptionCodec, applicationExceptionToError, errorToApplicationException, type TApplicationException,
} from "./application-exception.js";
export { TType, CType } from "./wire.js";
export { createFieldMask, maskedStructCodec, FIELD_MASK_LIMITS, type FieldMask } from "./field-mask.js";
export { thriftToJson, thriftFromJson } from "./json.js";
