/**
 * The `weir/thrift` entry: Thrift IDL loading and codecs (`codec/thrift`) together with the Thrift
 * transports: Apache framed, buffered and THeader, Kitex TTHeader, and serving every protocol on
 * one port.
 */
export * from "./codec/thrift/index.js";
export {
  createThriftTransport, createTTHeaderTransport, ThriftServerEngine, resolveThriftServerOptions, THRIFT_SERVER_DEFAULTS, THRIFT_ENVELOPE, ThriftRoutes,
  encodeTHeader, decodeTHeader, THeaderProtocolId, THeaderTransform,
  type ThriftClientOptions, type ThriftTransportKind, type TTHeaderClientOptions, type ThriftServerOptions, type ResolvedThriftServerOptions,
  type THeaderMeta, type THeaderFrame, type WireKind, type WireMessage,
} from "./transport/thrift/index.js";
export {
  encodeTTHeader, decodeTTHeader, IntKey, StrKey, TTHeaderFlag, TTHeaderProtocol,
  bizError, bizStatusOf, type TTHeaderMeta, type TTHeaderFrame,
} from "./transport/ttheader/index.js";
export { listenAllProtocols, detectProtocol, sniff, type MultiProtocolOptions, type MultiProtocolServer, type DetectionHandlers } from "./transport/detection/index.js";
