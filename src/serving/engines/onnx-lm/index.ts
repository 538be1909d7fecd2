export { createOnnxLmSteppedModel, type OnnxLmModel } from "./model.js";
export { ONNX_LM_DEFAULTS, type OnnxLmOptions } from "./options.js";
export { shippedTinyGptDir } from "./shipped.js";
export type { KvState } from "./kv.js";
