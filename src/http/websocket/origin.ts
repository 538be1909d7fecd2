import type { IncomingMessage } from "node:http";
import { Code, RpcError } from "../../core/index.js";
import { hostName, hostRefusal } from "../host.js";

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
  const refused = hostRefusal(req, allowedHosts);
  if (refused !== undefined) return refused;
  const host = req.headers.host ?? "";
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
