/**
 * Weir: RPC and HTTP streaming for the back ends of large-model applications.
 * The package entry re-exports the core vocabulary, descriptors, calls and the gRPC transport.
 */
export * from "./core/index.js";
export * from "./idl/index.js";
export * from "./codec/protobuf/index.js";
export * from "./rpc/index.js";
