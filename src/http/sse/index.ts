export { formatSseEvent, formatData, formatComment, type SseEvent, type SseMessage } from "./event.js";
export { SseWriter, SSE_WRITER_DEFAULTS, sseHeaders, type SseWriterOptions } from "./writer.js";
export { readSse, checkSseResponse, READ_SSE_DEFAULTS, type ReadSseOptions, type SseSource } from "./reader.js";
export { sseClient, SSE_RECONNECT_DEFAULTS, type SseClientOptions, type SseReconnectOptions } from "./client.js";
