import { Code, RpcError } from "../../core/index.js";
import type { ThriftProtocol } from "./message.js";

/** Transports a Thrift client can speak: Apache framed, buffered (unframed) and THeader, Kitex TTHeader. */
export type ThriftTransportKind = "framed" | "buffered" | "header" | "ttheader";

/** Options of `createThriftTransport`; every field but `target` has a default. */
export interface ThriftClientOptions {
  /** `host:port` of the server. */
  target: string;
  /** Default "framed". */
  transport?: ThriftTransportKind;
  /** Default "binary". TTHeader carries binary only, as Kitex requires. */
  protocol?: ThriftProtocol;
  /** THeader only: compress requests with the zlib transform. Default false. */
  zlib?: boolean;
  /** TTHeader only: a framed payload inside the header (Kitex TTHeaderFramed). Default false. */
  ttheaderFramed?: boolean;
  /**
   * IDL service name sent as `isn` (TTHeader string key, THeader header) for servers with several
   * services. Default: the bare name of the called method's service (`Echo`).
   */
  serviceName?: string;
  /** Send method names as `Service:method` (Apache TMultiplexedProtocol). Default false. */
  multiplexed?: boolean;
  /** Connections opened to the server at most; each carries one call at a time. Default 8. */
  maxConnections?: number;
  /** Time to open a connection. Default 5000 ms. */
  connectTimeoutMs?: number;
  /**
   * How long a call waits for a connection when all `maxConnections` carry a call (its own
   * deadline may end the wait sooner); then it fails with UNAVAILABLE and the metadata
   * `retry-after: 1`. Default 5000 ms.
   */
  acquireTimeoutMs?: number;
  /**
   * Calls that may wait for a connection when all of them carry a call; one more fails at once
   * with RESOURCE_EXHAUSTED and `retry-after: 1`. 0: calls never wait. Default 1024.
   */
  maxWaitingCalls?: number;
  /**
   * Largest reply frame accepted (a larger one fails the call with RESOURCE_EXHAUSTED and closes
   * its connection), and what a THeader zlib reply may inflate to, off the event loop (past it
   * the call fails with RESOURCE_EXHAUSTED; the connection stays). Default 16 MiB.
   */
  maxFrameBytes?: number;
}

/** Options after `resolveThriftClientOptions`: every default filled in. */
export type ResolvedThriftClientOptions = Readonly<Required<Omit<ThriftClientOptions, "serviceName">> & Pick<ThriftClientOptions, "serviceName">>;

/** Defaults of the Thrift client transport options. */
export const THRIFT_CLIENT_DEFAULTS = Object.freeze({
  transport: "framed" as ThriftTransportKind,
  protocol: "binary" as ThriftProtocol,
  maxConnections: 8,
  connectTimeoutMs: 5000,
  acquireTimeoutMs: 5000,
  maxWaitingCalls: 1024,
  maxFrameBytes: 16 << 20,
});

/** Fill in defaults and check values once, at construction (INVALID_ARGUMENT naming the option). */
export function resolveThriftClientOptions(o: ThriftClientOptions): ResolvedThriftClientOptions {
  const d = THRIFT_CLIENT_DEFAULTS;
  const whole = (name: string, v: number | undefined, dv: number, min: number): number => {
    const n = v ?? dv;
    if (!Number.isInteger(n) || n < min) throw invalid(`${name} must be a whole number, ${min} or more, got ${v}`);
    return n;
  };
  const ms = (name: string, v: number | undefined, dv: number): number => {
    const n = v ?? dv;
    if (!(n > 0) || !Number.isFinite(n)) throw invalid(`${name} must be a positive number of ms, got ${v}`);
    return n;
  };
  const transport = o.transport ?? d.transport;
  const protocol = o.protocol ?? d.protocol;
  if (transport === "ttheader" && protocol !== "binary") {
    throw new RpcError(Code.InvalidArgument, "TTHeader carries Thrift binary only (Kitex rejects compact)");
  }
  return Object.freeze({
    target: o.target, transport, protocol, serviceName: o.serviceName,
    zlib: o.zlib ?? false, ttheaderFramed: o.ttheaderFramed ?? false, multiplexed: o.multiplexed ?? false,
    maxConnections: whole("maxConnections", o.maxConnections, d.maxConnections, 1),
    connectTimeoutMs: ms("connectTimeoutMs", o.connectTimeoutMs, d.connectTimeoutMs),
    acquireTimeoutMs: ms("acquireTimeoutMs", o.acquireTimeoutMs, d.acquireTimeoutMs),
    maxWaitingCalls: whole("maxWaitingCalls", o.maxWaitingCalls, d.maxWaitingCalls, 0),
    maxFrameBytes: whole("maxFrameBytes", o.maxFrameBytes, d.maxFrameBytes, 1),
  });
}

function invalid(message: string): RpcError {
  return new RpcError(Code.InvalidArgument, `thrift client option ${message}`);
}
