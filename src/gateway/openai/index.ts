/** The OpenAI-compatible facade of the gateway (see docs/openai.md). */
export { openAiRoutes } from "./routes.js";
export { openAiError, openAiErrorOf, type OpenAiError } from "./errors.js";
export { parseChatRequest, parseCompletionRequest, type ParsedRequest } from "./request.js";
export type {
  OpenAiOptions, GenerationClientLike, GenerateRequestJson, GenerateChunkLike, CompleteResponseLike, ModelInfoLike, UsageLike,
} from "./types.js";
