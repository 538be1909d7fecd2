export { createGrpcTransport, type GrpcTransport } from "./client-transport.js";
export {
  CLIENT_DEFAULTS, parseTarget, resolveGrpcTransportOptions,
  type ClientKeepaliveOptions, type ClientTlsOptions, type ConnectivityState, type GrpcTransportOptions,
  type ParsedTarget, type ResolvedGrpcTransportOptions,
} from "./client-options.js";
export { BACKOFF_DEFAULTS, Backoff, resolveBackoffOptions, type BackoffOptions, type ResolvedBackoffOptions } from "./backoff.js";
export { GrpcServerEngine } from "./server.js";
export {
  GRPC_SERVER_DEFAULTS, resolveGrpcServerOptions,
  type GrpcServerOptions, type ResolvedGrpcServerOptions, type ServerKeepaliveOptions,
} from "./server-options.js";
