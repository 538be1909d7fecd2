export { NO_TOKEN, hasAcceptance, type AcceptedGeneration, type Engine, type EngineRequest, type EngineStep, type EngineUsage, type FinishReason, type ChatMessage, type ModelInfo, type GenerateOptions } from "./engine.js";
export { EngineStats } from "./stats.js";
export { StopMatcher } from "./stop.js";
export { trackGenerations, type TrackedEngine } from "./tracked.js";
export { resolveEngineRequest, REQUEST_LIMIT_DEFAULTS, type RequestLimits, type ResolvedEngineRequest } from "./request.js";
export * from "./builtin/index.js";
export * from "./onnx/index.js";
export * from "./openai/index.js";
export * from "./onnx-lm/index.js";
