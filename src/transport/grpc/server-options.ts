import { Code, RpcError, resolveLimits, type Limits } from "../../core/index.js";

/** Server keepalive: a PING every `timeMs`; no ack within `timeoutMs` closes the connection. */
export interface ServerKeepaliveOptions {
  /** Interval between pings. Default 7_200_000 ms (two hours, as gRPC servers). */
  timeMs?: number;
  /** Time to wait for the PING ack. Default 20_000 ms. */
  timeoutMs?: number;
}

/**
 * Options of the gRPC protocol engine: what happens to each call and each HTTP/2 connection.
 *
 * @example
 * createServer({ limits: { maxReceiveMessageBytes: 16 << 20 }, compression: "gzip", maxConnectionAgeMs: 600_000 });
 */
export interface GrpcServerOptions {
  /** Message and metadata size limits. Default 4 MiB messages each way, 8 KiB metadata. */
  limits?: Partial<Limits>;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection. Default 100. */
  maxConcurrentStreams?: number;
  /**
   * Encoding of responses when the client accepts it (its `grpc-accept-encoding`); a handler can
   * change it per call with `ctx.responseEncoding`. Default "identity".
   */
  compression?: "gzip" | "deflate" | "identity";
  /** Keepalive pings to each client. Default every two hours, 20 s to answer. */
  keepalive?: ServerKeepaliveOptions;
  /**
   * Open HTTP/2 connections served at once, counting those handed over by `listenAllProtocols`.
   * At the cap, a new connection takes the place of the oldest one that has not completed its
   * handshake; when there is none, each call of the new connection is answered RESOURCE_EXHAUSTED
   * (with a `retry-after` hint), then it gets a GOAWAY and closes. Default 512: room under a
   * 1024 file-descriptor limit for the process's other sockets and files.
   */
  maxConnections?: number;
  /**
   * A connection that has not sent the HTTP/2 preface and its SETTINGS, and acknowledged ours,
   * this long after it was accepted (after TLS, which gets the same time of its own) is destroyed.
   * Default 10_000 ms.
   */
  handshakeTimeoutMs?: number;
  /**
   * A connection without calls in flight for this long gets a GOAWAY and closes, counted from
   * its last call, or from its start when it never opened one. Default 300_000 ms (5 minutes).
   */
  maxConnectionIdleMs?: number;
  /** A connection older than this (±10% jitter) gets a GOAWAY; its calls may finish. Default: never. */
  maxConnectionAgeMs?: number;
  /** After the age GOAWAY, calls still running after this long are cancelled. Default: no limit. */
  maxConnectionAgeGraceMs?: number;
  /** `close()` lets in-flight calls run this long before cancelling them. Default 10_000 ms. */
  shutdownGraceMs?: number;
  /** HTTP/2 receive window of each stream (bytes a client may send before we read). Default 1 MiB. */
  streamWindowBytes?: number;
  /** HTTP/2 receive window of each connection, shared by its streams. Default 16 MiB. */
  connectionWindowBytes?: number;
  /**
   * A response the client takes no bytes of for this long (its flow-control window stays shut, or
   * it stops reading) is reset with RST_STREAM CANCEL: a unary response, a stream's messages once
   * its buffer is full, the rest of a stream once it ended. Taking some of it (a slice of 64 KiB of
   * a large unary response, a write of a stream) starts the time again, so a slow reader is not
   * cut. The reset is published on `weir:transport:error`, and a handler still running sees
   * `ctx.signal` abort with DEADLINE_EXCEEDED ("send timeout"). Default 30_000 ms.
   */
  sendTimeoutMs?: number;
  /**
   * Response bytes written but not yet taken by the client, per connection: a response message
   * that would go over it fails its call with RESOURCE_EXHAUSTED instead of being buffered (a unary
   * one before it is even encoded). Messages of 32 KiB or less are not counted (a connection holds
   * at most `maxConcurrentStreams` of them). Default 16 MiB.
   */
  maxConnectionSendBufferBytes?: number;
  /** The same bound over every connection of the server together. Default 128 MiB. */
  maxSendBufferBytes?: number;
  /** Request messages decompressed at once, off the event loop, and the queue before that. */
  decompression?: DecompressionOptions;
}

/**
 * Bounds on decompressing request messages. Small messages (under 32 KiB compressed, 64 KiB
 * inflated) inflate at once on the event loop; the rest inflate in Node's thread pool, at most
 * `maxConcurrent` at a time server-wide, each holding up to `limits.maxReceiveMessageBytes` of
 * output. The others wait in a queue; a call that finds it full, or waits longer than `maxWaitMs`,
 * fails with RESOURCE_EXHAUSTED.
 */
export interface DecompressionOptions {
  /** Messages inflating in the thread pool at once. Default 4. */
  maxConcurrent?: number;
  /** Messages waiting for a turn. Default 64. */
  maxQueued?: number;
  /** Longest wait for a turn. Default 2_000 ms. */
  maxWaitMs?: number;
}

/** `GrpcServerOptions` with every default filled in and checked, as `resolveGrpcServerOptions` returns them. */
export interface ResolvedGrpcServerOptions {
  readonly limits: Readonly<Limits>;
  readonly maxConcurrentStreams: number;
  readonly compression: "gzip" | "deflate" | "identity";
  readonly keepalive: Readonly<Required<ServerKeepaliveOptions>>;
  readonly maxConnections: number;
  readonly handshakeTimeoutMs: number;
  readonly maxConnectionIdleMs: number;
  readonly maxConnectionAgeMs: number;
  readonly maxConnectionAgeGraceMs: number;
  readonly shutdownGraceMs: number;
  readonly streamWindowBytes: number;
  readonly connectionWindowBytes: number;
  readonly sendTimeoutMs: number;
  readonly maxConnectionSendBufferBytes: number;
  readonly maxSendBufferBytes: number;
  readonly decompression: Readonly<Required<DecompressionOptions>>;
}

/** The defaults of `GrpcServerOptions` (frozen); see docs/limits.md for each value. */
export const GRPC_SERVER_DEFAULTS = Object.freeze({
  maxConcurrentStreams: 100,
  compression: "identity" as const,
  keepalive: Object.freeze({ timeMs: 7_200_000, timeoutMs: 20_000 }),
  maxConnections: 512,
  handshakeTimeoutMs: 10_000,
  maxConnectionIdleMs: 300_000,
  maxConnectionAgeMs: Infinity,
  maxConnectionAgeGraceMs: Infinity,
  shutdownGraceMs: 10_000,
  streamWindowBytes: 1 << 20,
  connectionWindowBytes: 16 << 20,
  sendTimeoutMs: 30_000,
  maxConnectionSendBufferBytes: 16 << 20,
  maxSendBufferBytes: 128 << 20,
  decompression: Object.freeze({ maxConcurrent: 4, maxQueued: 64, maxWaitMs: 2_000 }),
});

/** Fill in the defaults of `GrpcServerOptions` and check each value; a bad value throws RpcError INVALID_ARGUMENT naming the option. */
export function resolveGrpcServerOptions(o: GrpcServerOptions = {}): ResolvedGrpcServerOptions {
  const d = GRPC_SERVER_DEFAULTS;
  const compression = o.compression ?? d.compression;
  if (compression !== "identity" && compression !== "gzip" && compression !== "deflate") {
    throw new RpcError(Code.InvalidArgument, `compression must be "gzip", "deflate" or "identity", got "${String(compression)}"`);
  }
  const limits = resolveLimits(o.limits);
  const maxConcurrentStreams = integer("maxConcurrentStreams", o.maxConcurrentStreams ?? d.maxConcurrentStreams, 1, 2 ** 31 - 1);
  const streamWindowBytes = integer("streamWindowBytes", o.streamWindowBytes ?? d.streamWindowBytes, 65_535, 2 ** 31 - 1);
  const connectionWindowBytes = integer("connectionWindowBytes", o.connectionWindowBytes ?? d.connectionWindowBytes, 65_535, 2 ** 31 - 1);
  const maxConnections = o.maxConnections ?? d.maxConnections;
  if (!(maxConnections >= 1) || (maxConnections !== Infinity && !Number.isInteger(maxConnections))) {
    throw new RpcError(Code.InvalidArgument, `maxConnections must be an integer >= 1 or Infinity, got ${maxConnections}`);
  }
  return Object.freeze({
    limits,
    maxConcurrentStreams,
    compression,
    keepalive: Object.freeze({
      timeMs: duration("keepalive.timeMs", o.keepalive?.timeMs ?? d.keepalive.timeMs),
      timeoutMs: duration("keepalive.timeoutMs", o.keepalive?.timeoutMs ?? d.keepalive.timeoutMs),
    }),
    maxConnections,
    handshakeTimeoutMs: duration("handshakeTimeoutMs", o.handshakeTimeoutMs ?? d.handshakeTimeoutMs),
    maxConnectionIdleMs: duration("maxConnectionIdleMs", o.maxConnectionIdleMs ?? d.maxConnectionIdleMs),
    maxConnectionAgeMs: duration("maxConnectionAgeMs", o.maxConnectionAgeMs ?? d.maxConnectionAgeMs),
    maxConnectionAgeGraceMs: duration("maxConnectionAgeGraceMs", o.maxConnectionAgeGraceMs ?? d.maxConnectionAgeGraceMs, true),
    shutdownGraceMs: duration("shutdownGraceMs", o.shutdownGraceMs ?? d.shutdownGraceMs, true),
    streamWindowBytes,
    connectionWindowBytes: Math.max(connectionWindowBytes, streamWindowBytes),
    sendTimeoutMs: duration("sendTimeoutMs", o.sendTimeoutMs ?? d.sendTimeoutMs),
    maxConnectionSendBufferBytes: integer("maxConnectionSendBufferBytes", o.maxConnectionSendBufferBytes ?? d.maxConnectionSendBufferBytes, 1 << 16, 2 ** 53 - 1),
    maxSendBufferBytes: integer("maxSendBufferBytes", o.maxSendBufferBytes ?? d.maxSendBufferBytes, 1 << 16, 2 ** 53 - 1),
    decompression: resolveDecompression(o.decompression),
  });
}

function resolveDecompression(o: DecompressionOptions = {}): Readonly<Required<DecompressionOptions>> {
  const d = GRPC_SERVER_DEFAULTS.decompression;
  return Object.freeze({
    maxConcurrent: integer("decompression.maxConcurrent", o.maxConcurrent ?? d.maxConcurrent, 1, 1024),
    maxQueued: integer("decompression.maxQueued", o.maxQueued ?? d.maxQueued, 0, 2 ** 31 - 1),
    maxWaitMs: duration("decompression.maxWaitMs", o.maxWaitMs ?? d.maxWaitMs),
  });
}

function integer(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RpcError(Code.InvalidArgument, `${name} must be an integer from ${min} to ${max}, got ${v}`);
  }
  return v;
}

/** A duration in ms: positive (or zero where allowed), Infinity meaning "never". */
function duration(name: string, v: number, zeroOk = false): number {
  if (typeof v !== "number" || Number.isNaN(v) || v < 0 || (!zeroOk && v === 0)) {
    throw new RpcError(Code.InvalidArgument, `${name} must be a ${zeroOk ? "non-negative" : "positive"} number of ms (Infinity for never), got ${v}`);
  }
  return v;
}
