import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, RpcError } from "../../core/index.js";
import { SseWriter } from "../../http/index.js";
import type { ClientCallContext, GenericClient, Middleware } from "../../rpc/index.js";
import type { RequestContext } from "../context.js";
import { sendError } from "../http-io.js";
import { authenticate } from "../principal.js";
import type { CompiledRpcRoute } from "../routes.js";
import { iterateAccepted, openAccepted } from "../sse-stream.js";
import { StreamStore, type StreamOwner } from "./store.js";
import type { ResumableStream } from "./stream.js";

/** What the resumable routes of a gateway share. @internal */
export interface Resumables {
  readonly client: GenericClient;
  readonly store: StreamStore;
  /** The gateway's middleware: resuming and cancelling pass it too. */
  readonly middleware: readonly Middleware<ClientCallContext>[];
}

/** No such stream, or not the caller's: the same answer, so that a stream id says nothing to others. */
const noSuchStream = (what: string) => new RpcError(Code.NotFound, what);

/**
 * Who asks: the principal the gateway's middleware authenticates (401/403 when it refuses, as
 * for a call), and the client its streams count against (that principal, else the remote address).
 */
async function ownerOf(deps: Resumables, r: CompiledRpcRoute, ctx: RequestContext, req: IncomingMessage): Promise<StreamOwner> {
  const principal = await authenticate(deps.middleware, r.method, ctx);
  return { principal, client: principal ?? `address ${req.socket.remoteAddress ?? ""}` };
}

/** Response header naming a resumable stream (for `DELETE <path>?stream_id=<id>`). */
export const STREAM_ID_HEADER = "x-weir-stream-id";

/** The Last-Event-ID of a request: the header, else the `last_event_id` query parameter. @internal */
export function lastEventIdOf(req: IncomingMessage, ctx: RequestContext): string | undefined {
  const h = req.headers["last-event-id"];
  return typeof h === "string" && h !== "" ? h : ctx.url.searchParams.get("last_event_id") ?? undefined;
}

/**
 * Whether a request on a resumable route is served resumably: when the client asks for it
 * (`?resumable=1`, or `true`) or comes back with a resumable stream's event id.
 * @internal
 */
export function wantsResume(req: IncomingMessage, ctx: RequestContext): boolean {
  const flag = ctx.url.searchParams.get("resumable");
  if (flag === "1" || flag === "true") return true;
  const last = lastEventIdOf(req, ctx);
  return last !== undefined && StreamStore.isEventId(last);
}

/**
 * Serve a resumable SSE request: resume the stream its Last-Event-ID points into, or start a new
 * one (whose upstream call runs on the stream's own signal, so a disconnect only detaches the
 * reader); as for any SSE route, a new stream answers 200 only once the upstream accepted its
 * call, and an error before that is an HTTP status. Both pass the gateway's middleware first; a stream is the principal's that started it.
 * Unknown, expired or another principal's streams answer 404; a stream read to its end answers
 * 204, which tells EventSource not to reconnect.
 * @internal
 */
export async function serveResumable(deps: Resumables, r: CompiledRpcRoute, ctx: RequestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { store } = deps;
  const key = r.pattern.source;
  const last = lastEventIdOf(req, ctx);
  const owner = await ownerOf(deps, r, ctx, req);
  let stream: ResumableStream;
  let from = 0;
  if (last !== undefined && StreamStore.isEventId(last)) {
    const found = store.find(key, last, owner.principal);
    if (!found) return sendError(res, noSuchStream("the stream is unknown or expired; start a new one"));
    ({ stream, from } = found);
  } else {
    const request = r.build(await ctx.input());
    stream = store.create(key, r.resume!, owner);
    const opts = { signal: stream.controller.signal, metadata: ctx.metadata, timeoutMs: ctx.timeoutMs, json: r.json };
    let accepted;
    try {
      accepted = await openAccepted((o: typeof opts) => deps.client.serverStream(r.rpc, request, o), opts, r.acceptTimeoutMs);
    } catch (e) {
      store.drop(stream.id, RpcError.from(e));
      return sendError(res, e);
    }
    const started = stream;
    void started.produce(iterateAccepted(accepted), r.encode).then(() => store.release(started));
  }
  await readStream(store, stream, from, r, res);
}

async function readStream(store: StreamStore, stream: ResumableStream, from: number, r: CompiledRpcRoute, res: ServerResponse): Promise<void> {
  const token = stream.attach(from);
  store.hold(stream);
  try {
    if (stream.drained) {
      res.writeHead(204).end();
      return;
    }
    await pump(stream, token, res, r);
  } finally {
    stream.detach(token);
    store.release(stream);
  }
}

async function pump(stream: ResumableStream, token: object, res: ServerResponse, r: CompiledRpcRoute): Promise<void> {
  const writer = new SseWriter(res, { ...r.sse, headers: { ...r.sse.headers, [STREAM_ID_HEADER]: stream.id } });
  const onGone = () => stream.detach(token);
  writer.signal.addEventListener("abort", onGone, { once: true });
  try {
    for (;;) {
      const text = await stream.next(token);
      if (text === undefined || text === null) break;
      if (!writer.writeText(text)) await writer.drained();
    }
  } catch {
    // the client left while the socket was behind: the events stay for its return
  } finally {
    writer.signal.removeEventListener("abort", onGone);
    writer.end();
  }
}

/** `DELETE <path>?stream_id=<id>` (or with Last-Event-ID): stop a resumable stream now, after the gateway's middleware. @internal */
export async function cancelResumable(deps: Resumables, r: CompiledRpcRoute, ctx: RequestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { store } = deps;
  const key = r.pattern.source;
  const { principal } = await ownerOf(deps, r, ctx, req);
  const last = lastEventIdOf(req, ctx);
  const id = ctx.url.searchParams.get("stream_id") ?? (last !== undefined ? store.find(key, last, principal)?.stream.id : undefined);
  if (id === undefined || !store.get(key, id, principal)) return sendError(res, noSuchStream("no such stream"));
  store.drop(id, new RpcError(Code.Canceled, "the stream was cancelled by its client"));
  res.writeHead(204).end();
}
