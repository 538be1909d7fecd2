export { defineModel, checkModelConfig, type Model, type ModelConfig, type TensorSpec, type InferContext, type DynamicBatchingConfig, type QueuePolicy } from "../model.js";
export { createModelRepository, REPOSITORY_DEFAULTS, type ModelRepository, type ModelRepositoryOptions, type ModelIndexEntry, type ModelState, type ModelSource } from "./repository.js";
export { openModelRepository, type OpenModelRepositoryOptions } from "./open.js";
export { registerModelLoader, registeredModelLoaders, findModelLoader, type ModelLoader } from "./loader.js";
export { parseModelFile, type ModelFile, type VersionPolicy } from "./config-file.js";
export { jsonModelLoader, jsonModel, MAX_JSON_MODEL_BYTES, type JsonModelSpec } from "./json-model.js";
export { isPlainModelName, listModelFolders, loadModelFolder, FOLDER_DEFAULTS, MAX_FOLDER_ENTRIES, type ModelFolderOptions } from "./folder.js";
