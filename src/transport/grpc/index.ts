export { createGrpcTransport, type GrpcTransport } from "./client-transport.js";
export type { PoolStats } from "./session-pool.js";
export {
  CLIENT_DEFAULTS, resolveGrpcTransportOptions,
  type ClientKeepaliveOptions, type ClientTlsOptions, type ConnectivityState, type GrpcTransportOptions, type ResolvedGrpcTransportOptions,
} from "./client-options.js";
export { parseTarget, type ParsedTarget } from "../target.js";
export { BACKOFF_DEFAULTS, Backoff, resolveBackoffOptions, type BackoffOptions, type ResolvedBackoffOptions } from "./backoff.js";
export { GrpcServerEngine } from "./server.js";
export {
  GRPC_SERVER_DEFAULTS, resolveGrpcServerOptions,
  type GrpcServerOptions, type ResolvedGrpcServerOptions, type ServerKeepaliveOptions,
} from "./server-options.js";
// The gRPC server (createServer lives one folder up, where protocol detection will share its port).
export { createServer, Server, type ServerOptions, type ServerTlsOptions, type ListenOptions, type ServerAddress } from "./grpc-server.js";
export { HealthService, type ServingStatus } from "../../rpc/health/index.js";
