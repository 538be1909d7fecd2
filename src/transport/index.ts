export * from "./grpc/index.js";
export { createServer, Server, type ServerOptions, type ServerTlsOptions, type ListenOptions, type ServerAddress } from "./server.js";
export { codeFromHttp2Error, http2ErrorName, rpcErrorFromNodeError } from "./node-error.js";
export { HealthService, healthDescriptor, type ServingStatus } from "../rpc/health/index.js";
export { ReflectionService, reflectionDescriptor } from "../rpc/reflection/index.js";
