/** Model serving: engines (the built-in n-gram model, the Engine interface) and the generation service. */
export * from "./engines/index.js";
export * from "./generation/index.js";
export * from "./oip/index.js";
export * from "./repository/index.js";
export * from "./batching/index.js";
export * from "./models/index.js";
export * from "./scheduler/index.js";
export * from "./jobs/index.js";
