export { createThriftTransport, createTTHeaderTransport, type ThriftClientOptions, type ThriftTransportKind, type TTHeaderClientOptions } from "./client.js";
export {
  ThriftServerEngine, resolveThriftServerOptions, THRIFT_SERVER_DEFAULTS,
  type ThriftServerOptions, type ResolvedThriftServerOptions,
} from "./server.js";
export { THRIFT_ENVELOPE } from "./dispatch.js";
export { ThriftRoutes } from "./routes.js";
export { encodeTHeader, decodeTHeader, isTHeader, THEADER_MAGIC, THeaderProtocolId, THeaderTransform, type THeaderMeta, type THeaderFrame } from "./theader.js";
export { AppExceptionType, encodeAppException, decodeAppException, type AppException } from "./app-exception.js";
export { MessageType, readMessageHeader, writeMessageHeader, type MessageHeader, type ThriftProtocol } from "./message.js";
export type { WireKind, WireMessage } from "./wire.js";
