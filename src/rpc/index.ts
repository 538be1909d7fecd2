export { Router, type Route, type RouterOptions, type ServiceOptions } from "./router.js";
export { createClient, type Client, type ClientMethod, type ClientOptions, type CallOptions } from "./client.js";
export { compose, takesStream, returnsStream, type Call, type Next, type Middleware } from "./middleware.js";
export { ServerContext, ClientContext, type CallContext, type ServerCallContext, type ClientCallContext, type HeaderTarget } from "./context.js";
export { OutgoingMessage, outgoing, unwrapOutgoing } from "./message.js";
export type { ClientTransport } from "./transport.js";
export type { UnaryHandler, ServerStreamHandler, ClientStreamHandler, BidiStreamHandler, ServiceImpl, HandlerOf } from "./handler.js";
// Descriptor types, re-exported for the layers above rpc/ that may not import idl/ directly.
export type { MethodDescriptor, ServiceDescriptor, MethodKind, MethodMap, Codec, JsonWriteOptions } from "../idl/descriptor.js";
export { createInProcessTransport } from "./in-process.js";
export { createGenericClient, createMethodIndex, type GenericClient, type GenericClientOptions, type GenericCallOptions, type MethodIndex } from "./generic/index.js";
export {
  beginServerCall, invokeRoute, endServerCall, untilAborted, ServerCalls,
  type ServerCallStartMessage, type ServerCallEndMessage, type ServerCallErrorMessage,
} from "./server-call.js";
