import type { Socket } from "node:net";
import { channels, connectionCapFor } from "../../core/index.js";
import { sniff, type Sniffed } from "./sniff.js";

/**
 * Defaults of protocol detection on a shared port: 10 s to send the first bytes, 1000 connections
 * open at once (the gRPC server behind it holds at most 512 of them, and makes room for new ones
 * itself), or 45% of the process's open-file limit when that is less (`connectionCapFor`).
 */
export const DETECTION_DEFAULTS = Object.freeze({ sniffTimeoutMs: 10_000, maxConnections: connectionCapFor(1000) });

/** Where each kind of connection goes once its first bytes are known. */
export interface DetectionHandlers {
  /**
   * HTTP/2 (gRPC, gRPC with Thrift): called with the socket, its first bytes pushed back in.
   * Typically `(socket) => http2Server.emit("connection", socket)`.
   */
  readonly http2?: (socket: Socket) => void;
  /** Thrift (framed, buffered, THeader, TTHeader): called with the bytes read so far. */
  readonly thrift?: (socket: Socket, initial: Buffer) => void;
  /** Reasons for closing a connection. Default: `console.warn`. */
  readonly log?: (message: string) => void;
  /** Give up on a connection that sends fewer than 8 bytes within this many ms. Default 10000 (`DETECTION_DEFAULTS`). */
  readonly sniffTimeoutMs?: number;
}

/**
 * A `net.Server` connection listener that reads the first bytes of each connection, decides what
 * it speaks (see `sniff`) and hands it over, once, for its whole life. Connections that speak
 * nothing known, or TTHeader Streaming (not served here), are closed with the reason logged.
 *
 * @example
 * const h2 = http2.createServer().on("stream", engine.handleStream);
 * net.createServer(detectProtocol({
 *   http2: (socket) => h2.emit("connection", socket),
 *   thrift: (socket, initial) => thriftServer.handleConnection(socket, initial),
 * })).listen(8888);
 */
export function detectProtocol(handlers: DetectionHandlers): (socket: Socket) => void {
  const log = handlers.log ?? ((m: string) => console.warn(m));
  const timeoutMs = handlers.sniffTimeoutMs ?? DETECTION_DEFAULTS.sniffTimeoutMs;
  return (socket) => {
    let seen: Buffer = Buffer.alloc(0);
    const close = (reason: string) => {
      cleanup();
      log(`detection: closing connection from ${socket.remoteAddress}:${socket.remotePort}: ${reason}`);
      if (channels.transportError.hasSubscribers) channels.transportError.publish({ protocol: "detection", error: reason });
      socket.destroy();
    };
    const timer = setTimeout(() => close(`no protocol recognised within ${timeoutMs}ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const kind = sniff(seen);
      if (kind === undefined) return;
      cleanup();
      socket.pause();
      route(kind, socket, seen, handlers, close);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", cleanup);
      socket.off("end", onEnd);
    };
    const onEnd = () => { cleanup(); socket.destroy(); };
    socket.on("error", ignore); // stays: whoever takes the socket adds its own handling
    socket.on("data", onData);
    socket.on("error", cleanup);
    socket.on("end", onEnd);
  };
}

function route(kind: Sniffed, socket: Socket, seen: Buffer, h: DetectionHandlers, close: (reason: string) => void): void {
  if (kind === "http2" && h.http2) {
    socket.unshift(seen);
    h.http2(socket);
    return;
  }
  if (kind === "thrift" && h.thrift) {
    socket.resume(); // before the handler, which may pause it again (backpressure)
    h.thrift(socket, seen);
    return;
  }
  const first = seen.subarray(0, 8).toString("hex");
  if (kind === "ttheader-streaming") return close("TTHeader Streaming is not served on this port");
  close(kind === "unknown" ? `unknown protocol (first bytes 0x${first})` : `no handler for ${kind}`);
}

function ignore(): void {}
