/**
 * The `weir` entry: what a service author needs to define a service, serve it and call it.
 * Status codes and `RpcError`; metadata; service and method descriptors (`.proto` loading; `.thrift`
 * loading is in `weir/thrift`); handler, context and middleware types; clients (typed, generic and
 * in-process); and the gRPC server and client transport (more options in `weir/grpc`).
 * Every name is listed in docs/api.md.
 */
export { Code, codeName, httpStatusOf, codeFromHttpStatus } from "./core/index.js";
export { RpcError, isRpcError, type RpcErrorInit } from "./core/index.js";
export { Metadata, type MetadataInit, type MetadataValue } from "./core/index.js";
export { channels, type Limits } from "./core/index.js";
export { loadProto, loadProtoSync, parseProto, type LoadProtoOptions, type ProtoPackage } from "./codec/protobuf/index.js";
export {
  type Codec, type JsonWriteOptions, type EncodeTarget,
  type MethodDescriptor, type MethodKind, type MethodMap, type ServiceDescriptor,
  type UnaryMethod, type ClientStreamMethod, type ServerStreamMethod, type BidiStreamMethod,
} from "./idl/descriptor.js";
export {
  createClient, createGenericClient, createInProcessTransport, compose, takesStream, returnsStream, outgoing, Router,
  type Client, type ClientMethod, type ClientOptions, type CallOptions, type ClientTransport,
  type GenericClient, type GenericClientOptions, type GenericCallOptions,
  type Call, type Next, type Middleware, type CallContext, type ServerCallContext, type ClientCallContext,
  OutgoingMessage, type Route, type RouterOptions, type ServiceOptions,
  type ServiceImpl, type HandlerOf, type UnaryHandler, type ServerStreamHandler, type ClientStreamHandler, type BidiStreamHandler,
} from "./rpc/index.js";
export {
  createServer, createGrpcTransport, Server,
  type ServerOptions, type ServerTlsOptions, type ListenOptions, type ServerAddress, type GrpcTransport, type GrpcTransportOptions,
} from "./transport/grpc/index.js";
