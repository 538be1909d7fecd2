import { createRequire } from "node:module";
import { resolveLimits, type Limits } from "../../core/index.js";
import { resolveBackoffOptions, type BackoffOptions, type ResolvedBackoffOptions } from "./backoff.js";
import { isSupportedEncoding } from "./compression.js";
import { parseTarget, type ParsedTarget } from "../target.js";

/** TLS settings of a client; setting any of them (or an `https://` target) turns TLS on, ALPN `h2`. */
export interface ClientTlsOptions {
  /** Trusted CA certificates (PEM). Default: Node's bundled roots. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Client certificate (PEM), for mutual TLS. */
  cert?: string | Buffer;
  /** Client private key (PEM), for mutual TLS. */
  key?: string | Buffer;
  /** Name checked against the server certificate (SNI). Default: the target host. */
  servername?: string;
  /** Reject servers whose certificate does not verify. Default true. */
  rejectUnauthorized?: boolean;
}

/** Client keepalive: a PING every `timeMs`; no answer within `timeoutMs` closes the connection. */
export interface ClientKeepaliveOptions {
  /** Interval between pings. Default: no pings. */
  timeMs?: number;
  /** Time to wait for the PING ack. Default 20000 ms. */
  timeoutMs?: number;
}

/** States of the connection, as gRPC's connectivity-semantics-and-api.md names them. */
export type ConnectivityState = "idle" | "connecting" | "ready" | "transient-failure" | "shutdown";

/**
 * Options of `createGrpcTransport`.
 *
 * @example
 * createGrpcTransport({ target: "127.0.0.1:50051", connectTimeoutMs: 5000, backoff: { initialMs: 200 } });
 */
export interface GrpcTransportOptions {
  /** `host:port`, `http://host:port`, `https://host:port`, `dns:///host:port` or `unix:/path`. */
  target: string;
  /** TLS settings; an `https://` target uses TLS with the defaults. */
  tls?: ClientTlsOptions;
  /** Message and metadata size limits. Default 4 MiB messages, 8 KiB metadata. */
  limits?: Partial<Limits>;
  /** Time allowed to open a connection, TLS included. Default 20000 ms. */
  connectTimeoutMs?: number;
  /** Delays between failed connection attempts. Default 1 s ×1.6 up to 120 s, ±20% jitter. */
  backoff?: BackoffOptions;
  /**
   * While the connection is in backoff after a failure, calls fail at once with UNAVAILABLE
   * (gRPC's default, wait-for-ready false). With `true` they wait for the next attempt, within
   * their deadline. Default false.
   */
  waitForReady?: boolean;
  keepalive?: ClientKeepaliveOptions;
  /** Encodings the client accepts for responses. Default ["gzip", "deflate", "identity"]. */
  acceptEncoding?: readonly string[];
  /** HTTP/2 receive window of each stream. Default 1 MiB. */
  streamWindowBytes?: number;
  /**
   * Unary and server-streaming calls open at most this many streams per turn of the event loop;
   * more wait, in order, for the next turns. node:http2 writes once per turn, so without a cap a
   * burst of calls started while responses are handled leaves all at once, after all of them are
   * built, and the server idles meanwhile. Default 16; `Infinity` turns pacing off.
   */
  streamsPerTurn?: number;
  /**
   * HTTP/2 connections the transport may open to its target. Calls share the first connection
   * until the server's limit of concurrent streams on it (its SETTINGS_MAX_CONCURRENT_STREAMS)
   * is reached; then another is opened, and so on up to this many, as grpc-js and Envoy do.
   * Default 8.
   */
  maxConnections?: number;
  /** A connection beyond the first is closed after this long without calls. Default 30000 ms. */
  spareConnectionIdleMs?: number;
  /**
   * Calls that may wait for a free stream when every connection is full; one more is refused at
   * once with RESOURCE_EXHAUSTED and the metadata `retry-after: 1` (an HTTP gateway answers 429
   * with `Retry-After`). Default 1024.
   */
  maxWaitingCalls?: number;
  /**
   * How long a call waits for a free stream when every connection is full (its own deadline may
   * end the wait sooner); then it fails with UNAVAILABLE and `retry-after: 1` (503 with
   * `Retry-After` at a gateway). Default 500 ms.
   */
  streamWaitTimeoutMs?: number;
  /** Called whenever the connection changes state. */
  onStateChange?: (state: ConnectivityState) => void;
}

/** Options after `resolveGrpcTransportOptions`: every default filled in, the target parsed. */
export interface ResolvedGrpcTransportOptions {
  readonly target: ParsedTarget;
  readonly tls: ClientTlsOptions | undefined;
  readonly limits: Readonly<Limits>;
  readonly connectTimeoutMs: number;
  readonly backoff: ResolvedBackoffOptions;
  readonly waitForReady: boolean;
  readonly keepaliveTimeMs: number | undefined;
  readonly keepaliveTimeoutMs: number;
  readonly acceptEncoding: string;
  readonly streamWindowBytes: number;
  readonly streamsPerTurn: number;
  readonly maxConnections: number;
  readonly spareConnectionIdleMs: number;
  readonly maxWaitingCalls: number;
  readonly streamWaitTimeoutMs: number;
  readonly onStateChange: ((state: ConnectivityState) => void) | undefined;
}

/** Defaults of the client transport options (limits and backoff have their own). */
export const CLIENT_DEFAULTS = Object.freeze({
  connectTimeoutMs: 20_000,
  keepaliveTimeoutMs: 20_000,
  acceptEncoding: Object.freeze(["gzip", "deflate", "identity"]),
  streamWindowBytes: 1 << 20,
  streamsPerTurn: 16,
  maxConnections: 8,
  spareConnectionIdleMs: 30_000,
  maxWaitingCalls: 1024,
  streamWaitTimeoutMs: 500,
});

/** Validate options once, at construction; a bad value throws a TypeError that says what to pass instead. */
export function resolveGrpcTransportOptions(o: GrpcTransportOptions): ResolvedGrpcTransportOptions {
  if (typeof o?.target !== "string" || o.target === "") {
    throw new TypeError('createGrpcTransport needs a target such as "127.0.0.1:50051" or "https://host:443"');
  }
  const accept = o.acceptEncoding ?? CLIENT_DEFAULTS.acceptEncoding;
  for (const e of accept) {
    if (!isSupportedEncoding(e)) throw new TypeError(`acceptEncoding lists "${e}"; supported are gzip, deflate, identity`);
  }
  const positive = (name: string, v: number | undefined, d: number): number => {
    const n = v ?? d;
    if (!(n > 0) || !Number.isFinite(n)) throw new TypeError(`${name} must be a positive number of ms, got ${v}`);
    return n;
  };
  return Object.freeze({
    target: parseTarget(o.target, { tls: o.tls !== undefined }),
    tls: o.tls,
    limits: resolveLimits(o.limits),
    connectTimeoutMs: positive("connectTimeoutMs", o.connectTimeoutMs, CLIENT_DEFAULTS.connectTimeoutMs),
    backoff: resolveBackoffOptions(o.backoff),
    waitForReady: o.waitForReady ?? false,
    keepaliveTimeMs: o.keepalive?.timeMs === undefined ? undefined : positive("keepalive.timeMs", o.keepalive.timeMs, 0),
    keepaliveTimeoutMs: positive("keepalive.timeoutMs", o.keepalive?.timeoutMs, CLIENT_DEFAULTS.keepaliveTimeoutMs),
    acceptEncoding: accept.join(","),
    streamWindowBytes: Math.min(2 ** 31 - 1, Math.max(65_535, o.streamWindowBytes ?? CLIENT_DEFAULTS.streamWindowBytes)),
    streamsPerTurn: resolveStreamsPerTurn(o.streamsPerTurn),
    maxConnections: count("maxConnections", o.maxConnections, CLIENT_DEFAULTS.maxConnections, 1),
    spareConnectionIdleMs: positive("spareConnectionIdleMs", o.spareConnectionIdleMs, CLIENT_DEFAULTS.spareConnectionIdleMs),
    maxWaitingCalls: count("maxWaitingCalls", o.maxWaitingCalls, CLIENT_DEFAULTS.maxWaitingCalls, 0),
    streamWaitTimeoutMs: positive("streamWaitTimeoutMs", o.streamWaitTimeoutMs, CLIENT_DEFAULTS.streamWaitTimeoutMs),
    onStateChange: o.onStateChange,
  });
}

function count(name: string, v: number | undefined, d: number, min: number): number {
  const n = v ?? d;
  if (!Number.isInteger(n) || n < min) throw new TypeError(`${name} must be a whole number, ${min} or more, got ${v}`);
  return n;
}

function resolveStreamsPerTurn(v: number | undefined): number {
  if (v === undefined) return CLIENT_DEFAULTS.streamsPerTurn;
  if (v === Infinity || (Number.isInteger(v) && v >= 1)) return v;
  throw new TypeError(`streamsPerTurn must be a whole number of streams (1 or more) or Infinity, got ${v}`);
}

/** `weir/<version>`, sent as user-agent. */
export const USER_AGENT = `weir/${packageVersion()}`;

function packageVersion(): string {
  try {
    const pkg = createRequire(import.meta.url)("../../../../package.json") as { name?: string; version?: string };
    return pkg.name === "weir" && pkg.version ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}
