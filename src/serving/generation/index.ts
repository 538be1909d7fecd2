export { createGenerationService, toChunks, toEngineRequest, type GenerationServiceOptions } from "./service.js";
export { generationDescriptor, generationThriftDescriptor, generationIdlPath, GENERATION_SERVICE } from "./descriptor.js";
export type * from "./types.js";
