// Helpers of the WebSocket tests (not exported by the package): a node:http server accepting one
// path, and a sender that stops when the socket stops taking data.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after } from "node:test";
import { acceptWebSockets, type AcceptWebSocketsOptions, type WebSocketAcceptor } from "./accept.js";
import type { WebSocketChannel } from "./channel.js";
import { onceWithin, stillPendingAfter } from "../../../test/helpers/wait.js";

/** A server accepting `/ws`. @internal */
export interface TestWsServer {
  /** `ws://127.0.0.1:<port>` */
  readonly base: string;
  readonly acceptor: WebSocketAcceptor;
  /** The node:http server. */
  readonly http: http.Server;
  /** The next server-side channel to arrive (in order of arrival). */
  next(): Promise<WebSocketChannel>;
  close(): Promise<void>;
}

/** Start a server on 127.0.0.1:0 that hands each socket on `/ws` to `onChannel` (default: keep it). @internal */
export async function startWsServer(
  options: Partial<AcceptWebSocketsOptions> = {}, onChannel: (ch: WebSocketChannel) => void | Promise<void> = () => {},
): Promise<TestWsServer> {
  const arrived: WebSocketChannel[] = [];
  const waiting: ((ch: WebSocketChannel) => void)[] = [];
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const acceptor = acceptWebSockets(server, { path: "/ws", ...options }, (ch) => {
    const w = waiting.shift();
    if (w) w(ch);
    else arrived.push(ch);
    return onChannel(ch);
  });
  server.listen(0, "127.0.0.1");
  await onceWithin(server, "listening");
  return {
    base: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    acceptor,
    http: server,
    next: () => {
      const ch = arrived.shift();
      return ch ? Promise.resolve(ch) : new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      await acceptor.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A `startWsServer` whose servers are closed after the calling test file. @internal */
export function wsServers(): typeof startWsServer {
  const servers: TestWsServer[] = [];
  after(async () => { for (const s of servers) await s.close(); });
  return async (options, onChannel) => {
    const s = await startWsServer(options, onChannel);
    servers.push(s);
    return s;
  };
}

/**
 * Call `send` (one message of `bytes`) until a call has not settled `stallMs` later, and return the
 * bytes sent; throws when a send fails or `maxBytes` went out without a stall (the receiver kept
 * reading).
 * @internal
 */
export async function sendUntilStalled(send: () => Promise<void>, bytes: number, maxBytes = 64 << 20, stallMs = 300): Promise<number> {
  for (let sent = bytes; sent <= maxBytes; sent += bytes) {
    const p = send();
    if (await stillPendingAfter(p, stallMs)) return sent;
    await p; // throws if the send failed
  }
  throw new Error(`sent ${maxBytes} bytes and the receiver kept taking them`);
}

/** Shared bounded waits, re-exported for the WebSocket tests (waitFor polls a condition). @internal */
export { stillPendingAfter, until as waitFor } from "../../../test/helpers/wait.js";
