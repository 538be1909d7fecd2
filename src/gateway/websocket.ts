import type { IncomingMessage } from "node:http";
import { Code, RpcError } from "../core/index.js";
import { WebSocketChannel, type WebSocketMessage } from "../http/index.js";
import type { CallOptions, GenericClient } from "../rpc/index.js";
import { errorJson } from "./http-io.js";
import { parseJson } from "./json-input.js";
import type { CompiledRpcRoute } from "./routes.js";

/**
 * One WebSocket <-> one call. Every text message from the client is a request as JSON; the text
 * message `endMessage` (default `[DONE]`) ends the request stream (half-close). Every response
 * is one text message of JSON. The socket closes with 1000 when the call ends well; on failure
 * the last message is `{"error": {code, status, message}}` and the socket closes with 1011.
 * The client closing the socket cancels the call. A server-streaming method takes the first
 * message as its request; a client-streaming one answers once, after the end message.
 * @internal
 */
export async function serveWebSocket(
  client: GenericClient, r: CompiledRpcRoute, channel: WebSocketChannel, call: CallOptions, endMessage: string,
): Promise<void> {
  const opts = { ...call, signal: anySignal(call.signal, channel.signal), json: r.json };
  const incoming = channel[Symbol.asyncIterator]();
  try {
    const kind = r.method.kind;
    if (kind === "unary" || kind === "server") {
      const first = await incoming.next();
      if (first.done === true) return;
      const request = parse(first.value, r.maxJsonDepth);
      if (kind === "unary") await channel.send(r.encode(await client.unary(r.rpc, request, opts)));
      else for await (const m of client.serverStream(r.rpc, request, opts)) await channel.send(r.encode(m));
    } else {
      const requests = requestsOf(incoming, endMessage, r.maxJsonDepth);
      if (kind === "client") await channel.send(r.encode(await client.clientStream(r.rpc, requests, opts)));
      else for await (const m of client.bidiStream(r.rpc, requests, opts)) await channel.send(r.encode(m));
    }
    channel.close(1000, "done");
  } catch (e) {
    if (channel.signal.aborted) return;
    const err = RpcError.from(e, Code.Internal);
    await channel.send(JSON.stringify({ error: errorJson(err) })).catch(() => {});
    channel.close(1011, truncate(err.rawMessage));
  }
}

/** Requests from the socket until the end message or the close; not `for await`, which would close the socket. */
async function* requestsOf(incoming: AsyncIterator<WebSocketMessage>, endMessage: string, maxDepth: number): AsyncGenerator<unknown> {
  for (;;) {
    const m = await incoming.next();
    if (m.done === true || m.value === endMessage) return;
    yield parse(m.value, maxDepth);
  }
}

function parse(m: WebSocketMessage, maxDepth: number): unknown {
  if (typeof m !== "string") throw new RpcError(Code.InvalidArgument, "send requests as text messages of JSON");
  return parseJson(m, maxDepth, "message");
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a === undefined ? b : AbortSignal.any([a, b]);
}

/** Close reasons are limited to 123 bytes. */
function truncate(s: string): string {
  return Buffer.byteLength(s) <= 123 ? s : Buffer.from(s).subarray(0, 120).toString() + "...";
}
