/**
 * The `weir/grpc` entry: the gRPC server (`createServer`) and client transport (`createGrpcTransport`)
 * with their options and defaults, the reconnect backoff, and the standard health service.
 * See docs/getting-started.md and docs/limits.md.
 */
export {
  createServer, Server, GrpcServerEngine, GRPC_SERVER_DEFAULTS, resolveGrpcServerOptions,
  type ServerOptions, type ServerTlsOptions, type ListenOptions, type ServerAddress,
  type GrpcServerOptions, type ResolvedGrpcServerOptions, type ServerKeepaliveOptions,
  createGrpcTransport, CLIENT_DEFAULTS, resolveGrpcTransportOptions,
  type GrpcTransport, type GrpcTransportOptions, type ResolvedGrpcTransportOptions,
  type ClientKeepaliveOptions, type ClientTlsOptions, type ConnectivityState, type PoolStats,
  BACKOFF_DEFAULTS, resolveBackoffOptions, type BackoffOptions, type ResolvedBackoffOptions,
  HealthService, type ServingStatus,
} from "./transport/grpc/index.js";
