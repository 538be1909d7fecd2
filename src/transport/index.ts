export * from "./grpc/index.js";
export { codeFromHttp2Error, http2ErrorName, rpcErrorFromNodeError, cancelledByPeer } from "./node-error.js";
export { healthDescriptor } from "../rpc/health/index.js";
export { ReflectionService, reflectionDescriptor } from "../rpc/reflection/index.js";
