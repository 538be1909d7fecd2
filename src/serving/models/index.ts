export { tokenizerModel, type TokenizerModelOptions } from "./tokenizer.js";
