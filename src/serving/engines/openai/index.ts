export { createOpenAiEngine } from "./engine.js";
export { OPENAI_ENGINE_DEFAULTS, type OpenAiEngineOptions } from "./options.js";
export { codeOfUpstreamStatus } from "./errors.js";
