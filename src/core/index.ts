export { Code, codeName, parseCode, codeFromWire, httpStatusOf, codeFromHttpStatus } from "./code.js";
export { RpcError, isRpcError, type RpcErrorInit } from "./rpc-error.js";
export { Metadata, type MetadataInit, type MetadataValue } from "./metadata.js";
export { CallScope, createCallScope, abortReason, type CallScopeOptions } from "./deadline.js";
export { LIMIT_DEFAULTS, resolveLimits, type Limits } from "./limits.js";
export { channels } from "./diagnostics.js";
export { describeValue, clip } from "./describe.js";
export { openFileLimit, connectionCapFor } from "./file-limit.js";
export { resolveIntegerOptions } from "./integer-options.js";
