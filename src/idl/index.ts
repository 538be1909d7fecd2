export * from "./descriptor.js";
export * from "./proto/index.js";
