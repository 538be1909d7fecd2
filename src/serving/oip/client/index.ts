export { createOipGrpcClient, OIP_GRPC_MESSAGE_BYTES, type OipGrpcClientOptions } from "./grpc.js";
export { createOipRestClient, codeOfStatus, type OipRestClientOptions } from "./rest.js";
export { outputOf, type OipClient, type InferOptions, type CallOptions as OipCallOptions } from "./types.js";
