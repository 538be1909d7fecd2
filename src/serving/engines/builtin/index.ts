export { createBuiltinEngine, createBuiltinSteppedModel, renderChat, type BuiltinEngineOptions } from "./engine.js";
export type { NgramState } from "./batched.js";
export { cl100kTokenizer, type Tokenizer } from "./tokenizer.js";
export { NgramModel, sample, type Distribution, type NgramOptions } from "./ngram.js";
export { createRng, type Rng } from "./rng.js";
export { shippedCorpusDir, readCorpusDir, splitDocuments } from "./corpus.js";
