export { defineModel, checkModelConfig, type Model, type ModelConfig, type TensorSpec, type InferContext, type DynamicBatchingConfig, type QueuePolicy } from "./model.js";
export { createModelRepository, type ModelRepository, type ModelIndexEntry, type ModelState, type ModelSource } from "./repository.js";
