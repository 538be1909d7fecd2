import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { Code, RpcError, codeName, httpStatusOf } from "../../core/index.js";
import { WebSocketBudget } from "./budget.js";
import { checkIntegers, WEBSOCKET_CHANNEL_DEFAULTS, WebSocketChannel, type WebSocketChannelOptions } from "./channel.js";
import { normalOrigin, originRefusal } from "./origin.js";

/** The limits of the WebSockets one server accepts, and who may open them. */
export interface WebSocketHubOptions extends Omit<WebSocketChannelOptions, "signal"> {
  /** Largest message accepted, in bytes; a larger one closes the socket with 1009. Default 1 MiB. */
  maxPayload?: number;
  /** Sockets open at once; one more upgrade is refused with HTTP 503 and a JSON error. Default 256. */
  maxSockets?: number;
  /**
   * Received bytes all the sockets hold together (messages not yet read, and messages still
   * arriving); past it, a socket that receives stops reading until the total is under three
   * quarters of it. Default 64 MiB.
   */
  maxTotalBytes?: number;
  /**
   * Origins (`https://app.example.com`) whose pages may open a socket, besides the server's own
   * (an `Origin` whose host and port equal the `Host` header); `*` allows any page. A handshake
   * without `Origin` (not from a browser) is always allowed. Others get HTTP 403. Default none.
   */
  allowedOrigins?: readonly string[];
  /**
   * Host names the `Host` header may carry (port ignored), against DNS rebinding: give the
   * loopback names (`localhost`, `127.0.0.1`, `::1`) for a server bound to loopback. Others get
   * HTTP 403. Default `["*"]` (any).
   */
  allowedHosts?: readonly string[];
}

/** The defaults of `WebSocketHubOptions` (frozen), the channel defaults included; see docs/limits.md. */
export const WEBSOCKET_HUB_DEFAULTS = Object.freeze({
  ...WEBSOCKET_CHANNEL_DEFAULTS,
  maxPayload: 1 << 20,
  maxSockets: 256,
  maxTotalBytes: 64 << 20,
  allowedOrigins: Object.freeze([] as string[]) as readonly string[],
  allowedHosts: Object.freeze(["*"]) as readonly string[],
});

/** `WebSocketHubOptions` with every default filled in, as `resolveWebSocketHubOptions` returns them. */
export type ResolvedWebSocketHubOptions = Readonly<Required<WebSocketHubOptions>>;

/**
 * Fill in defaults and check values; a bad value throws RpcError INVALID_ARGUMENT naming
 * `${prefix}${option}` and what to give instead.
 */
export function resolveWebSocketHubOptions(o: WebSocketHubOptions = {}, prefix = "WebSocket option "): ResolvedWebSocketHubOptions {
  const r = { ...WEBSOCKET_HUB_DEFAULTS, ...defined(o) };
  const { maxPayload, maxSockets, maxTotalBytes, maxQueuedMessages, maxQueuedBytes, maxBufferedBytes, pongTimeoutMs } = r;
  checkIntegers({ maxPayload, maxSockets, maxTotalBytes, maxQueuedMessages, maxQueuedBytes, maxBufferedBytes, pongTimeoutMs }, 1, prefix);
  checkIntegers({ highWaterMark: r.highWaterMark, pingIntervalMs: r.pingIntervalMs, idleTimeoutMs: r.idleTimeoutMs }, 0, prefix);
  if (r.maxTotalBytes < r.maxPayload) {
    throw new RpcError(Code.InvalidArgument, `${prefix}maxTotalBytes (${r.maxTotalBytes}) must be at least maxPayload (${r.maxPayload}), or a message that size could never arrive`);
  }
  for (const origin of r.allowedOrigins) {
    if (origin !== "*" && !(ORIGIN.test(origin) && normalOrigin(origin) !== undefined)) {
      throw new RpcError(Code.InvalidArgument, `${prefix}allowedOrigins: "${origin}" is not an origin; give scheme://host[:port] (no path) or *`);
    }
  }
  return Object.freeze({ ...r, allowedOrigins: Object.freeze([...r.allowedOrigins]), allowedHosts: Object.freeze([...r.allowedHosts]) });
}

/** `scheme://host[:port]`, nothing after but an optional `/`. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]+\/?$/i;

/**
 * The WebSockets of one server: who may open one (Origin and Host checks, a cap on sockets), the
 * handshake, and the limits every socket shares (a budget of received bytes). Refusals are HTTP
 * answers before the handshake: 403 for an origin or host not allowed, 503 with `Retry-After`
 * when `maxSockets` are open.
 *
 * @example
 * const hub = new WebSocketHub({ maxSockets: 100 });
 * server.on("upgrade", (req, socket, head) => hub.upgrade(req, socket, head, (ch) => void echo(ch)));
 */
export class WebSocketHub {
  readonly options: ResolvedWebSocketHubOptions;
  private readonly budget: WebSocketBudget;
  private readonly origins: ReadonlySet<string>;
  private readonly hosts: ReadonlySet<string>;
  private readonly open = new Set<WebSocketChannel>();
  private readonly wss: WebSocketServer;

  constructor(options: WebSocketHubOptions = {}, prefix?: string) {
    this.options = resolveWebSocketHubOptions(options, prefix);
    this.budget = new WebSocketBudget(this.options.maxTotalBytes);
    this.origins = new Set(this.options.allowedOrigins.map((o) => (o === "*" ? o : normalOrigin(o)!)));
    this.hosts = new Set(this.options.allowedHosts.map((h) => h.toLowerCase().replace(/^\[(.*)\]$/, "$1")));
    // closeTimeout (ws 8.23, not yet in @types/ws): a peer gets as long to answer a close as a ping.
    const serverOptions = { noServer: true, clientTracking: false, maxPayload: this.options.maxPayload, closeTimeout: this.options.pongTimeoutMs };
    this.wss = new WebSocketServer(serverOptions);
  }

  /** The open sockets. */
  get channels(): ReadonlySet<WebSocketChannel> {
    return this.open;
  }

  /** Sockets open now, and the received bytes they hold. */
  stats(): { sockets: number; bytes: number } {
    return { sockets: this.open.size, bytes: this.budget.held };
  }

  /** Why this upgrade would be refused (PERMISSION_DENIED: origin or host; UNAVAILABLE: too many sockets), or undefined. */
  refusal(req: IncomingMessage): RpcError | undefined {
    const denied = originRefusal(req, this.origins, this.hosts);
    if (denied !== undefined) return denied;
    if (this.open.size >= this.options.maxSockets) {
      return new RpcError(Code.Unavailable, `too many WebSockets open (${this.options.maxSockets}); try again later`, { metadata: { "retry-after": "1" } });
    }
    return undefined;
  }

  /** Refuse the upgrade with an HTTP error (see `refusal`), or complete the handshake and hand the socket over. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, onChannel: (channel: WebSocketChannel) => void): void {
    const refused = this.refusal(req);
    if (refused !== undefined) return refuseUpgrade(socket, refused);
    socket.on("error", () => socket.destroy());
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const channel = new WebSocketChannel(ws, this.options);
      channel.shareBudget(this.budget, socket);
      this.open.add(channel);
      ws.once("close", () => this.open.delete(channel));
      onChannel(channel);
    });
  }

  /** Close every open socket (default 1001) and wait until they are closed (each within `pongTimeoutMs`). */
  async close(code = 1001, reason = "going away"): Promise<void> {
    const closed = [...this.open].map((c) => new Promise<void>((resolve) => {
      if (c.socket.readyState === c.socket.CLOSED) return resolve();
      c.socket.once("close", () => resolve());
      c.close(code, reason);
    }));
    await Promise.all(closed);
  }
}

/**
 * Answer an upgrade request with an HTTP error before any handshake: the error's status
 * (`httpStatusOf`, or `status`), `{"error": {code, status, message}}`, and `Retry-After` from a
 * `retry-after` metadata entry. The connection is closed once the answer is written, whether or
 * not the client closes its side (upgrade sockets are half-open and have no HTTP timeouts).
 */
export function refuseUpgrade(socket: Duplex, err: RpcError, status = httpStatusOf(err.code)): void {
  const body = JSON.stringify({ error: { code: err.code, status: codeName(err.code), message: err.rawMessage } });
  const retry = err.metadata.getString("retry-after");
  socket.on("error", () => socket.destroy());
  socket.end([
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`, "Connection: close", "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`, ...(retry === undefined ? [] : [`Retry-After: ${retry}`]), "", body,
  ].join("\r\n"), () => socket.destroy());
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
