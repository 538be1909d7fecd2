export * from "./sse/index.js";
export * from "./websocket/index.js";
