export { createGenerationService, toChunks, toEngineRequest, type GenerationServiceOptions } from "./service.js";
export { generationService, generationThriftService, generationIdlPath, GENERATION_SERVICE } from "./descriptor.js";
export type * from "./types.js";
