/**
 * The `weir/gateway` entry: HTTP, SSE and WebSocket routes to RPC calls, and the OpenAI-compatible
 * facade. See docs/gateway.md and docs/openai.md.
 */
export {
  createGateway, GATEWAY_DEFAULTS, resolveGatewayOptions, RESUME_DEFAULTS, STREAM_ID_HEADER, RESERVED_QUERY,
  PRINCIPAL, principalOf, errorJson, sendError, sendJson,
  type Gateway, type GatewayOptions, type ResolvedGatewayOptions, type GatewayRoute, type RpcRoute, type HandlerRoute,
  type GatewayContext, type GatewayWebSocketOptions, type HttpInput, type ResumeOptions,
  openAiRoutes, openAiError, openAiErrorOf, type OpenAiError, type OpenAiOptions, type GenerationClientLike,
  type GenerateRequestJson, type GenerateChunkLike, type CompleteResponseLike, type ModelInfoLike, type UsageLike,
} from "./gateway/index.js";
