/**
 * The `weir/http` entry: SSE (writer, reader, reconnecting client), WebSocket (server accept, client,
 * channel, hub) and the bounded Node HTTP server. See docs/sse-and-websocket.md and docs/limits.md.
 */
export * from "./http/index.js";
