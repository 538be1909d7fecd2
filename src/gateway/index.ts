/** The HTTP gateway to RPC (`weir/gateway`): routes to generic calls over JSON, SSE and WebSocket; the OpenAI-compatible facade. */
export { createGateway } from "./gateway.js";
export { GATEWAY_DEFAULTS, resolveGatewayOptions } from "./options.js";
export { RESUME_DEFAULTS } from "./resume/store.js";
export { STREAM_ID_HEADER } from "./resume/serve.js";
export { PRINCIPAL, principalOf } from "./principal.js";
export { errorJson, sendError, sendJson } from "./http-io.js";
export { RESERVED_QUERY } from "./request-json.js";
export type {
  Gateway, GatewayOptions, GatewayRoute, GatewayWebSocketOptions, RpcRoute, HandlerRoute, GatewayContext, HttpInput, ResumeOptions, ResolvedGatewayOptions,
} from "./types.js";
export * from "./openai/index.js";
