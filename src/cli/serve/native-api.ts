import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Code, RpcError } from "../../core/index.js";
import { acceptWebSockets, SseWriter, type WebSocketAcceptor, type WebSocketChannel } from "../../http/index.js";
import type { Client } from "../../rpc/index.js";
import type { GenerateChunkMsg, GenerateRequestMsg, GenerationMethods } from "../../serving/index.js";
import { requestFromJson, requestFromQuery } from "./generate-request.js";
import { disconnectSignal, errorBody, parseJsonObject, readBody, sendError } from "./http-util.js";
import type { InFlight } from "./in-flight.js";

/** Largest JSON request body of the native API. */
const MAX_BODY_BYTES = 1 << 20;

/** The chunk as the native API sends it (field names as in generation.proto). */
export function chunkJson(c: GenerateChunkMsg): Record<string, unknown> {
  const out: Record<string, unknown> = { index: c.index, text: c.text, token_ids: c.token_ids ?? [], finish_reason: c.finish_reason || null };
  if (c.usage) out["usage"] = { prompt_tokens: c.usage.prompt_tokens, completion_tokens: c.usage.completion_tokens, total_tokens: c.usage.total_tokens };
  return out;
}

/**
 * `GET|POST /api/generate`: the Generate stream of the model server, called over gRPC, as
 * server-sent events: one event per chunk (`id` = chunk index, `data` = the chunk as JSON), then
 * `event: done` with `data: [DONE]`. An error before the first chunk is an HTTP status with a
 * JSON body; after it, `event: error` with `{ error: { code, status, message } }`. A client that
 * goes away cancels the call (and so the engine); a client that stops reading pauses it.
 */
export async function serveGenerateSse(req: IncomingMessage, res: ServerResponse, url: URL, client: Client<GenerationMethods>): Promise<void> {
  const gone = disconnectSignal(res);
  let request: GenerateRequestMsg;
  try {
    request = req.method === "GET" ? requestFromQuery(url.searchParams) : requestFromJson(parseJsonObject(await readBody(req, MAX_BODY_BYTES)));
  } catch (e) {
    return sendError(res, e);
  }
  const it = client.Generate(request, { signal: gone })[Symbol.asyncIterator]();
  let next: IteratorResult<GenerateChunkMsg>;
  try {
    next = await it.next();
  } catch (e) {
    return sendError(res, e);
  }
  const sse = new SseWriter(res);
  try {
    for (; !next.done; next = await it.next()) {
      await sse.send({ id: String(next.value.index), data: JSON.stringify(chunkJson(next.value)) });
    }
    sse.write({ event: "done", data: "[DONE]" });
  } catch (e) {
    if (!sse.signal.aborted) sse.write({ event: "error", data: JSON.stringify(errorBody(e)) });
  } finally {
    await it.return?.();
    sse.end();
  }
}

/**
 * `/api/generate/ws`: each text message is a GenerateRequest as JSON; the answer is one message
 * per chunk `{"type":"chunk", …chunk}`, then `{"type":"done"}`, or `{"type":"error","error":{…}}`.
 * Requests on one socket run one after another. Closing the socket cancels the generation.
 */
export function acceptGenerateWebSockets(server: Server, client: Client<GenerationMethods>, inFlight: InFlight): WebSocketAcceptor {
  return acceptWebSockets(server, { path: "/api/generate/ws", maxPayload: MAX_BODY_BYTES }, async (channel) => {
    const leave = inFlight.enter();
    try {
      for await (const message of channel) await generateOver(channel, message, client);
    } finally {
      leave();
    }
  });
}

async function generateOver(channel: WebSocketChannel, message: string | Uint8Array, client: Client<GenerationMethods>): Promise<void> {
  try {
    if (typeof message !== "string") throw new RpcError(Code.InvalidArgument, "send the request as a JSON text message");
    const request = requestFromJson(parseJsonObject(message));
    for await (const chunk of client.Generate(request, { signal: channel.signal })) {
      await channel.send(JSON.stringify({ type: "chunk", ...chunkJson(chunk) }));
    }
    await channel.send('{"type":"done"}');
  } catch (e) {
    if (channel.signal.aborted) return;
    await channel.send(JSON.stringify({ type: "error", ...errorBody(e) })).catch(() => {});
  }
}
