/**
 * The `weir/thrift` entry: `.thrift` loading into descriptors and codecs (binary, compact, FieldMask,
 * JSON), Thrift exceptions, and the Thrift transports: Apache framed, buffered and THeader, Kitex
 * TTHeader, and serving every protocol on one port. See docs/thrift-transports.md.
 */
export {
  loadThrift, parseThrift, createStructCodec, thriftToJson, thriftFromJson, MAX_ENCODED_BYTES,
  type LoadThriftOptions, type ThriftPackage, type ThriftStructCodec, type ThriftCodecOptions, type ThriftProtocol, type I64Mode,
  thriftException, thriftExceptionOf, TApplicationExceptionType, type ThriftExceptionDetail, type TApplicationException,
  createFieldMask, maskedStructCodec, FIELD_MASK_LIMITS, type FieldMask,
} from "./codec/thrift/index.js";
export {
  createThriftTransport, createTTHeaderTransport, type TTHeaderClientOptions, ThriftServerEngine, resolveThriftServerOptions, THRIFT_SERVER_DEFAULTS, THRIFT_ENVELOPE, ThriftRoutes,
  type ThriftClientOptions, type ThriftTransportKind, type ThriftServerOptions, type ResolvedThriftServerOptions, type THeaderMeta,
} from "./transport/thrift/index.js";
export {
  IntKey, StrKey, bizError, bizStatusOf, type TTHeaderMeta,
} from "./transport/ttheader/index.js";
export { listenAllProtocols, type MultiProtocolOptions, type MultiProtocolServer } from "./transport/detection/index.js";
