import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer } from "ws";
import { Code, RpcError } from "../../core/index.js";
import { WebSocketChannel, type WebSocketChannelOptions } from "./channel.js";

/** Options of {@link acceptWebSockets}. */
export interface AcceptWebSocketsOptions extends Omit<WebSocketChannelOptions, "signal"> {
  /** The URL path to accept (exact match), or a predicate on the pathname. */
  path: string | ((pathname: string) => boolean);
  /** Largest message accepted, in bytes; a larger one closes the socket with 1009. Default 1 MiB. */
  maxPayload?: number;
  /** Called before the handshake; return false to refuse it with 403. Default: accept all. */
  verify?: (req: IncomingMessage) => boolean;
}

/** A running acceptor; `close()` stops accepting and closes the open sockets with 1001. */
export interface WebSocketAcceptor {
  readonly clients: ReadonlySet<WebSocketChannel>;
  close(): Promise<void>;
}

export const ACCEPT_WEBSOCKETS_DEFAULTS = Object.freeze({ maxPayload: 1 << 20 });

/**
 * Accept WebSocket upgrades on a node:http server for one path; each socket reaches `onChannel`
 * as a {@link WebSocketChannel}. An upgrade for another path is answered 404 when this is the
 * server's only `upgrade` listener, and left to the other listeners otherwise. If `onChannel`
 * throws or rejects, the socket is closed with 1011 and the error's message.
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
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? ACCEPT_WEBSOCKETS_DEFAULTS.maxPayload });
  const clients = new Set<WebSocketChannel>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!matches(pathname(req))) {
      if (server.listenerCount("upgrade") === 1) refuse(socket, 404, "Not Found");
      return;
    }
    if (options.verify && !options.verify(req)) return refuse(socket, 403, "Forbidden");
    socket.on("error", () => socket.destroy());
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const channel = new WebSocketChannel(ws, options);
      clients.add(channel);
      ws.once("close", () => clients.delete(channel));
      run(onChannel, channel, req);
    });
  };
  server.on("upgrade", onUpgrade);
  return {
    clients,
    close: async () => {
      server.off("upgrade", onUpgrade);
      for (const c of clients) c.close(1001, "server shutting down");
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function run(onChannel: (c: WebSocketChannel, r: IncomingMessage) => void | Promise<void>, channel: WebSocketChannel, req: IncomingMessage): void {
  Promise.resolve()
    .then(() => onChannel(channel, req))
    .catch((e: unknown) => channel.close(1011, truncate(RpcError.from(e, Code.Internal).rawMessage)));
}

function pathname(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Close reasons are limited to 123 bytes by the protocol. */
function truncate(s: string): string {
  return Buffer.byteLength(s) <= 123 ? s : Buffer.from(s).subarray(0, 120).toString() + "...";
}

/**
 * Open a client WebSocket and wrap it in a channel once connected.
 *
 * @throws RpcError UNAVAILABLE when the connection or the handshake fails.
 * @example
 * const ch = await connectWebSocket("ws://127.0.0.1:8080/api/generate/ws");
 */
export function connectWebSocket(url: string | URL, options: WebSocketChannelOptions & { maxPayload?: number } = {}): Promise<WebSocketChannel> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: options.maxPayload ?? ACCEPT_WEBSOCKETS_DEFAULTS.maxPayload });
    const channel = new WebSocketChannel(ws, options);
    const onError = (e: Error) => reject(RpcError.from(e, Code.Unavailable));
    ws.once("error", onError);
    ws.once("unexpected-response", (_req, res) => {
      ws.off("error", onError);
      reject(new RpcError(Code.Unavailable, `WebSocket handshake refused with HTTP ${res.statusCode}`));
      ws.terminate();
    });
    ws.once("open", () => {
      ws.off("error", onError);
      resolve(channel);
    });
  });
}
