export * from "./sse/index.js";
export * from "./websocket/index.js";
export { createHttpServer, resolveHttpServerLimits, HTTP_SERVER_LIMIT_DEFAULTS, type HttpServerLimits, type HttpServerOptions, type ResolvedHttpServerLimits } from "./server-limits.js";
