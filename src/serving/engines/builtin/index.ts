export { createBuiltinEngine, renderChat, type BuiltinEngineOptions } from "./engine.js";
export { cl100kTokenizer, type Tokenizer } from "./tokenizer.js";
export { NgramModel, sample, type Distribution, type NgramOptions } from "./ngram.js";
export { createRng, type Rng } from "./rng.js";
export { shippedCorpusDir, readCorpusDir, splitDocuments } from "./corpus.js";
