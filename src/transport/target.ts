import { Code, RpcError } from "../core/index.js";

/** Where a client transport connects, parsed from its target string. */
export interface ParsedTarget {
  /** The URL given to http2.connect (`http://host:port` or `https://host:port`). */
  readonly origin: string;
  readonly secure: boolean;
  /** `host:port`, the `:authority` of gRPC requests. */
  readonly authority: string;
  /** The host name or address, IPv6 without brackets. */
  readonly host: string;
  /** The port: the one given, else 443 with TLS and 80 without. */
  readonly port: number;
  /** A unix socket path, when the target is `unix:`. */
  readonly socketPath: string | undefined;
}

export interface ParseTargetOptions {
  /** TLS for a target without a scheme. Default false. */
  tls?: boolean;
  /** Refuse a target that names no port (Thrift has no default port) or a unix socket. Default false. */
  requirePort?: boolean;
}

/**
 * Parse `host:port`, `[v6]:port`, `:port` (127.0.0.1), `http(s)://host:port`, `dns:///host:port` or
 * `unix:/path`, as every client transport takes them. A target it cannot use is RpcError INVALID_ARGUMENT.
 */
export function parseTarget(target: string, options: ParseTargetOptions = {}): ParsedTarget {
  const tls = options.tls ?? false;
  if (target.startsWith("unix:")) {
    const socketPath = target.slice(target.startsWith("unix://") ? 7 : 5);
    if (socketPath === "" || options.requirePort) throw badTarget(target, socketPath === "" ? "names no socket path" : "must be host:port");
    return Object.freeze({ origin: tls ? "https://localhost" : "http://localhost", secure: tls, authority: "localhost", host: "localhost", port: 0, socketPath });
  }
  let rest = target.replace(/^dns:(\/\/[^/]*\/)?/, "");
  let secure = tls;
  const scheme = /^(https?):\/\//.exec(rest);
  if (scheme) {
    secure = scheme[1] === "https";
    rest = rest.slice(scheme[0].length);
  }
  rest = rest.replace(/\/+$/, "");
  if (rest.startsWith(":")) rest = `127.0.0.1${rest}`; // `:9090`, a port on this machine
  let url: URL;
  try {
    url = new URL(`${secure ? "https" : "http"}://${rest}`);
  } catch {
    throw badTarget(target, "is not host:port, http(s)://host:port, dns:///host:port or unix:/path");
  }
  if (url.pathname !== "/" || url.search !== "" || url.username !== "") throw badTarget(target, "must not carry a path, query or credentials");
  if (options.requirePort && !/:\d+$/.test(rest)) throw badTarget(target, "names no port (host:port)");
  const port = Number(url.port || (secure ? 443 : 80));
  const authority = `${url.hostname}:${port}`;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return Object.freeze({ origin: `${secure ? "https" : "http"}://${authority}`, secure, authority, host, port, socketPath: undefined });
}

function badTarget(target: string, why: string): RpcError {
  return new RpcError(Code.InvalidArgument, `target "${target}" ${why}`);
}
