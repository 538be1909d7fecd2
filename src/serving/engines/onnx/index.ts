export { loadOnnxModel, onnxLoader, ONNX_PLATFORM } from "./model.js";
export { ONNX_MODEL_DEFAULTS, DEFAULT_ONNX_MAX_BATCH_SIZE, resolveOnnxModelOptions, type OnnxModelOptions, type ResolvedOnnxModelOptions } from "./options.js";
