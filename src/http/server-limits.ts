import http from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { Code, RpcError, codeName, connectionCapFor } from "../core/index.js";
import { hostRefusal } from "./host.js";
import { refuseUpgrade } from "./websocket/hub.js";

/** Bounds on the connections of an HTTP/1.1 server; see {@link createHttpServer}. */
export interface HttpServerLimits {
  /**
   * Connections open at once. A connection past the limit closes the oldest one that has no
   * request in flight (one that never sent a request, or an idle keep-alive one); when every
   * connection is busy, the new one is answered 503 and closed. Default 1024, or 45% of the
   * process's open-file limit when that is less (`connectionCapFor`).
   */
  maxConnections?: number;
  /** A new connection must deliver its first request's headers within this, in ms. Default 10 000. */
  firstRequestTimeoutMs?: number;
  /** Time to receive a request's headers once they started, in ms (408 after it). Default 10 000. */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, body included, in ms (408 after it). Default 30 000. */
  requestTimeoutMs?: number;
  /** A keep-alive connection with no request for this long is closed, in ms. Default 5000. */
  keepAliveTimeoutMs?: number;
  /**
   * A connection on which no byte moves either way for this long is closed, in ms: a response
   * its client stopped reading, a handler that never answers. SSE streams send a comment every
   * 15 s, so an attended stream never idles. Default 120 000.
   */
  idleTimeoutMs?: number;
}

/** Options of {@link createHttpServer}: its limits, the Host names it answers, and what to do with an upgrade request. */
export interface HttpServerOptions extends HttpServerLimits {
  /**
   * Names a request's `Host` header may carry (`*` = any); any other gets 403 and a JSON error,
   * upgrades included. Give the server's names when it is bound to loopback: that stops DNS
   * rebinding, which otherwise lets any web page read it. Default `["*"]`.
   */
  allowedHosts?: readonly string[];
  /** Handles upgrade requests (WebSocket); without it they are refused as Node does. Its sockets leave the limits' timeouts: the WebSocket layer keeps them alive. */
  onUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/** `HttpServerLimits` with every default filled in, as `resolveHttpServerLimits` returns them. */
export type ResolvedHttpServerLimits = Readonly<Required<HttpServerLimits>>;

/** The defaults of `HttpServerLimits` (frozen); see docs/limits.md for each value. */
export const HTTP_SERVER_LIMIT_DEFAULTS: ResolvedHttpServerLimits = Object.freeze({
  maxConnections: connectionCapFor(1024),
  firstRequestTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5000,
  idleTimeoutMs: 120_000,
});

/** Fill in defaults and check values. @throws RpcError INVALID_ARGUMENT naming the bad limit. */
export function resolveHttpServerLimits(o: HttpServerLimits = {}): ResolvedHttpServerLimits {
  const out = { ...HTTP_SERVER_LIMIT_DEFAULTS };
  for (const key of Object.keys(out) as (keyof HttpServerLimits)[]) {
    const v = o[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1) throw new RpcError(Code.InvalidArgument, `HTTP server limit ${key} must be a positive integer, got ${v}`);
    out[key] = v;
  }
  if (out.headersTimeoutMs > out.requestTimeoutMs) {
    throw new RpcError(Code.InvalidArgument, `headersTimeoutMs (${out.headersTimeoutMs}) must not exceed requestTimeoutMs (${out.requestTimeoutMs})`);
  }
  return Object.freeze(out);
}

/** What the server knows of one connection. */
interface ConnectionState {
  /** Requests in flight; an upgraded connection counts one forever. */
  busy: number;
  /** Whether it delivered a request yet. */
  started: boolean;
}

const BUSY_BODY = JSON.stringify({ error: { code: Code.Unavailable, status: "UNAVAILABLE", message: "the server has too many connections; retry later" } });
const BUSY_RESPONSE = `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BUSY_BODY)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n${BUSY_BODY}`;

/**
 * A node:http server whose connections are bounded: at most `maxConnections` at once (idle ones
 * make way for new ones), a deadline for the first request, for headers and for whole requests,
 * and an idle timeout. Node's defaults let a socket that never sends a byte stay open forever,
 * so a few thousand of them lock every client out.
 *
 * @example
 * const server = createHttpServer(gateway.handle, { maxConnections: 2048, onUpgrade: gateway.handleUpgrade });
 * server.listen(8080);
 */
export function createHttpServer(handler: http.RequestListener, options: HttpServerOptions = {}): http.Server {
  const { onUpgrade, allowedHosts = ["*"], ...limits } = options;
  const l = resolveHttpServerLimits(limits);
  const hosts = new Set(allowedHosts.map((h) => h.toLowerCase()));
  const server = http.createServer({
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, l.headersTimeoutMs),
  }, hosts.has("*") ? handler : (req, res) => {
    const refused = hostRefusal(req, hosts);
    if (refused === undefined) return handler(req, res);
    const body = JSON.stringify({ error: errorBody(refused) });
    res.writeHead(403, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close" }).end(body);
  });
  server.timeout = l.idleTimeoutMs;
  const connections = new Map<Socket, ConnectionState>(); // in the order they came: the oldest first
  server.on("connection", (socket: Socket) => {
    if (connections.size >= l.maxConnections && !evictIdle(connections)) {
      socket.end(BUSY_RESPONSE);
      socket.destroySoon();
      return;
    }
    connections.set(socket, { busy: 0, started: false });
    socket.setTimeout(l.firstRequestTimeoutMs);
    socket.once("close", () => connections.delete(socket));
  });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const state = connections.get(req.socket);
    if (state === undefined) return;
    if (!state.started) {
      state.started = true;
      req.socket.setTimeout(l.idleTimeoutMs);
    }
    state.busy++;
    res.once("close", () => { state.busy--; });
  });
  if (onUpgrade !== undefined) {
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const state = connections.get(req.socket);
      if (state !== undefined) {
        state.started = true;
        state.busy++;
      }
      req.socket.setTimeout(0);
      const refused = hostRefusal(req, hosts);
      if (refused !== undefined) return refuseUpgrade(socket, refused, 403);
      onUpgrade(req, socket, head);
    });
  }
  return server;
}

function errorBody(err: RpcError): { code: Code; status: string; message: string } {
  return { code: err.code, status: codeName(err.code), message: err.rawMessage };
}

/** Close the oldest connection with no request in flight; false when every one is busy. */
function evictIdle(connections: Map<Socket, ConnectionState>): boolean {
  for (const [socket, state] of connections) {
    if (state.busy > 0) continue;
    connections.delete(socket);
    socket.destroy();
    return true;
  }
  return false;
}
