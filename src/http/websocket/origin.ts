import type { IncomingMessage } from "node:http";
import { Code, RpcError } from "../../core/index.js";

/**
 * Why a browser page may not open this WebSocket, or undefined when it may.
 *
 * - `Origin`: a request without one comes from a program, not a page, and passes. Otherwise the
 *   origin must be the page's own (its host and port equal the `Host` header, so a page can
 *   always reach the server that served it) or be listed in `allowedOrigins` (`*` allows any).
 *   Browsers send `Origin` on every WebSocket handshake and scripts cannot change it, so this is
 *   what stops any web page from driving a server on the user's machine.
 * - `Host`: when `allowedHosts` does not contain `*`, the Host header's name must be listed. That
 *   stops DNS rebinding, where a page's own name is made to resolve to 127.0.0.1, so that its
 *   origin is "same" as far as the first rule can tell.
 * @internal
 */
export function originRefusal(req: IncomingMessage, allowedOrigins: ReadonlySet<string>, allowedHosts: ReadonlySet<string>): RpcError | undefined {
  const host = req.headers.host ?? "";
  if (!allowedHosts.has("*") && !allowedHosts.has(hostName(host))) {
    return new RpcError(Code.PermissionDenied, `host "${clip(host)}" is not allowed; the server accepts ${[...allowedHosts].join(", ")}`);
  }
  const origin = req.headers.origin;
  if (origin === undefined || allowedOrigins.has("*")) return undefined;
  const normal = normalOrigin(origin);
  if (normal !== undefined && (allowedOrigins.has(normal) || sameHost(normal, host))) return undefined;
  return new RpcError(Code.PermissionDenied, `cross-origin WebSocket from "${clip(origin)}" refused; allow it with the allowedOrigins option`);
}

/** `scheme://host[:port]` in lower case, default port dropped; undefined when `s` is not an origin (`null`, a path). */
export function normalOrigin(s: string): string | undefined {
  try {
    const u = new URL(s);
    return u.origin === "null" || u.host === "" ? undefined : u.origin;
  } catch {
    return undefined;
  }
}

/** A Host header's name: lower case, port and IPv6 brackets removed; "" when it is not `name[:port]`. */
export function hostName(host: string): string {
  const m = HOST.exec(host);
  return m === null ? "" : (m[1] ?? m[2]!).toLowerCase();
}

/** `name[:port]` or `[ipv6][:port]`, nothing else (no user info, path or spaces). */
const HOST = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+))(?::\d{1,5})?$/;

/** Whether the origin names the same host and port as the Host header (read with the origin's scheme for its default port). */
function sameHost(origin: string, host: string): boolean {
  if (hostName(host) === "") return false;
  try {
    const o = new URL(origin);
    return o.host === new URL(`${o.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

function clip(s: string): string {
  return s.length <= 100 ? s : `${s.slice(0, 100)}...`;
}
