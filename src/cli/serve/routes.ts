import type { GatewayRoute, HttpInput } from "../../gateway/index.js";
import { GENERATION_SERVICE } from "../../serving/index.js";
import { requestFromBody, requestFromQuery } from "./generate-request.js";

/** Chunks as the native routes send them: field names as in generation.proto, defaults included. */
const CHUNK_JSON = Object.freeze({ emitDefaults: true, protoNames: true });

/**
 * A GenerateRequest from `/api/generate`: a POST's JSON body as is (proto3 JSON of
 * GenerateRequest), or a GET's query parameters (`prompt`, `max_tokens`, `temperature`, `seed`,
 * `top_p`, `model`, repeatable `stop`), checked so that a typo is a clear INVALID_ARGUMENT (an
 * unknown query parameter too, on GET and POST alike).
 */
function generateRequest(input: HttpInput): unknown {
  return input.body !== undefined ? requestFromBody(input.body, input.query) : requestFromQuery(input.query);
}

/**
 * The gateway routes of `weir serve` that call the model server:
 *
 * - `GET|POST /api/generate`: Generate as SSE (one event per chunk, `done`, or `error`);
 *   `?resumable=1` makes the stream resumable with Last-Event-ID (the gateway's `resume` options);
 * - `/api/generate/ws`: Generate over WebSocket (first message = request; one message per chunk;
 *   close 1000 at the end, or an `{"error": …}` message and close 1011).
 *
 * `extra` routes (the OpenAI-compatible API) are added after these.
 */
export function serveRoutes(extra: readonly GatewayRoute[] = []): GatewayRoute[] {
  const rpc = `${GENERATION_SERVICE}/Generate`;
  return [
    { path: "/api/generate", rpc, as: "sse", request: generateRequest, json: CHUNK_JSON, resumable: true },
    { path: "/api/generate/ws", rpc, as: "websocket", json: CHUNK_JSON },
    ...extra,
  ];
}
