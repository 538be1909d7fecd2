export * from "./sse/index.js";
