import type { IncomingMessage } from "node:http";
import { Code, RpcError } from "../core/index.js";

/** A Host header's name: lower case, port and IPv6 brackets removed; "" when it is not `name[:port]`. */
export function hostName(host: string): string {
  const m = HOST.exec(host);
  return m === null ? "" : (m[1] ?? m[2]!).toLowerCase();
}

/** `name[:port]` or `[ipv6][:port]`, nothing else (no user info, path or spaces). */
const HOST = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+))(?::\d{1,5})?$/;

/**
 * Why a request's `Host` is refused, or undefined when `allowedHosts` has it (or `*`). A server
 * bound to loopback that accepts any Host can be read by any web page through DNS rebinding: the
 * page's own name is made to resolve to 127.0.0.1, so the browser treats the server as the page's
 * origin; its requests still carry the page's name in `Host`.
 */
export function hostRefusal(req: IncomingMessage, allowedHosts: ReadonlySet<string>): RpcError | undefined {
  if (allowedHosts.has("*")) return undefined;
  const host = req.headers.host ?? "";
  if (allowedHosts.has(hostName(host))) return undefined;
  const shown = host.length <= 100 ? host : `${host.slice(0, 100)}...`;
  return new RpcError(Code.PermissionDenied, `host "${shown}" is not allowed; the server accepts ${[...allowedHosts].join(", ")}`);
}
