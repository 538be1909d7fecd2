import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import { Code, RpcError, codeFromHttpStatus, codeFromWire } from "../../core/index.js";
import { truncateReason, WebSocketChannel, type WebSocketChannelOptions } from "./channel.js";
import { refuseUpgrade, WebSocketHub, WEBSOCKET_HUB_DEFAULTS, type WebSocketHubOptions } from "./hub.js";

/** Options of {@link acceptWebSockets}: the path, and the limits of {@link WebSocketHubOptions}. */
export interface AcceptWebSocketsOptions extends WebSocketHubOptions {
  /** The URL path to accept (exact match), or a predicate on the pathname. */
  path: string | ((pathname: string) => boolean);
  /** Called before the handshake; return false to refuse it with 403. Default: accept all (after the Origin and Host checks). */
  verify?: (req: IncomingMessage) => boolean;
}

/** A running acceptor; `close()` stops accepting and closes the open sockets with 1001. */
export interface WebSocketAcceptor {
  readonly clients: ReadonlySet<WebSocketChannel>;
  /** Sockets open now, and the received bytes they hold. */
  stats(): { sockets: number; bytes: number };
  close(): Promise<void>;
}

/** The defaults of {@link AcceptWebSocketsOptions}. */
export const ACCEPT_WEBSOCKETS_DEFAULTS = WEBSOCKET_HUB_DEFAULTS;

/**
 * Accept WebSocket upgrades on a node:http server for one path; each socket reaches `onChannel`
 * as a {@link WebSocketChannel}. An upgrade for another path is answered 404 when this is the
 * server's only `upgrade` listener, and left to the other listeners otherwise. Upgrades are
 * refused with 403 (cross-origin page, host not allowed, `verify`) or 503 (`maxSockets` open),
 * with a JSON error. If `onChannel` throws or rejects, the socket is closed with 1011 and the
 * error's message.
 *
 * @example
 * acceptWebSockets(server, { path: "/echo" }, async (ch) => { for await (const m of ch) await ch.send(m); });
 */
export function acceptWebSockets(
  server: Server,
  options: AcceptWebSocketsOptions,
  onChannel: (channel: WebSocketChannel, req: IncomingMessage) => void | Promise<void>,
): WebSocketAcceptor {
  const matches = typeof options.path === "string" ? (p: string) => p === options.path : options.path;
  const { path: _path, verify, ...limits } = options;
  const hub = new WebSocketHub(limits);
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!matches(pathname(req))) {
      if (server.listenerCount("upgrade") === 1) refuseUpgrade(socket, new RpcError(Code.NotFound, `no WebSocket route ${pathname(req)}`));
      return;
    }
    if (verify && !verify(req)) return refuseUpgrade(socket, new RpcError(Code.PermissionDenied, "WebSocket refused"));
    hub.upgrade(req, socket, head, (channel) => run(onChannel, channel, req));
  };
  server.on("upgrade", onUpgrade);
  return {
    clients: hub.channels,
    stats: () => hub.stats(),
    close: async () => {
      server.off("upgrade", onUpgrade);
      await hub.close();
    },
  };
}

function run(onChannel: (c: WebSocketChannel, r: IncomingMessage) => void | Promise<void>, channel: WebSocketChannel, req: IncomingMessage): void {
  Promise.resolve()
    .then(() => onChannel(channel, req))
    .catch((e: unknown) => channel.close(1011, truncateReason(RpcError.from(e, Code.Internal).rawMessage)));
}

function pathname(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/** Options of {@link connectWebSocket}. */
export interface ConnectWebSocketOptions extends WebSocketChannelOptions {
  /** Largest message accepted, in bytes; a larger one closes the socket with 1009. Default 1 MiB. */
  maxPayload?: number;
  /** Extra handshake headers (`authorization`, `origin`…). Default none. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Open a client WebSocket and wrap it in a channel once connected.
 *
 * @throws RpcError UNAVAILABLE when the connection fails; when the server refuses the handshake,
 *   the code of its HTTP status (403 PERMISSION_DENIED, 503 UNAVAILABLE…) with its message.
 * @example
 * const ch = await connectWebSocket("ws://127.0.0.1:8080/api/generate/ws");
 */
export function connectWebSocket(url: string | URL, options: ConnectWebSocketOptions = {}): Promise<WebSocketChannel> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: options.maxPayload ?? ACCEPT_WEBSOCKETS_DEFAULTS.maxPayload, headers: options.headers });
    const channel = new WebSocketChannel(ws, options);
    const onError = (e: Error) => reject(RpcError.from(e, Code.Unavailable));
    ws.once("error", onError);
    ws.once("unexpected-response", (_req, res) => {
      ws.off("error", onError);
      void refusalOf(res).then((e) => {
        reject(e);
        ws.terminate();
      });
    });
    ws.once("open", () => {
      ws.off("error", onError);
      resolve(channel);
    });
  });
}

/** The error of a refused handshake: the HTTP status as a code, and the message of a JSON error body (read up to 4 KiB, for up to 2 s). */
async function refusalOf(res: IncomingMessage): Promise<RpcError> {
  const status = res.statusCode ?? 0;
  let text = "";
  const timer = setTimeout(() => res.destroy(), 2000).unref();
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      text += chunk.toString();
      if (text.length > 4096) break;
    }
  } catch {
    // the body is a courtesy; the status says enough
  } finally {
    clearTimeout(timer);
  }
  let error: { code?: unknown; message?: unknown } = {};
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
  } catch {
    // not a JSON error
  }
  const code = typeof error.code === "number" ? codeFromWire(error.code) : codeFromHttpStatus(status);
  const message = typeof error.message === "string" ? `: ${error.message}` : "";
  return new RpcError(code === Code.Unknown ? Code.Unavailable : code, `WebSocket handshake refused with HTTP ${status}${message}`);
}
