import { ClientContext, compose, returnsStream, type CallContext, type ClientCallContext, type MethodDescriptor, type Middleware, type Next } from "../rpc/index.js";
import type { RequestContext } from "./context.js";

/**
 * `ctx.values` key under which an auth middleware may put the caller's identity, a string. The
 * gateway reads it to know whose resumable stream is whose.
 */
export const PRINCIPAL = Symbol.for("weir.principal");
/** Where `jwtAuth` (weir/governance) keeps the verified claims of a call's token. */
const JWT_CLAIMS = Symbol.for("weir.auth.jwtClaims");

/**
 * The principal a middleware authenticated on this call: `ctx.values.get(PRINCIPAL)`, else the
 * issuer and subject of the JWT `jwtAuth` verified (all its claims but the times, without a
 * subject); undefined when nobody was authenticated.
 */
export function principalOf(ctx: CallContext): string | undefined {
  const p = ctx.values.get(PRINCIPAL);
  if (typeof p === "string") return p;
  const claims = ctx.values.get(JWT_CLAIMS) as Record<string, unknown> | undefined;
  if (claims === undefined || claims === null || typeof claims !== "object") return undefined;
  if (typeof claims["sub"] === "string") return `jwt ${JSON.stringify([claims["iss"] ?? null, claims["sub"]])}`;
  const { exp: _exp, iat: _iat, nbf: _nbf, jti: _jti, ...rest } = claims;
  return `jwt ${JSON.stringify(rest)}`;
}

const EMPTY: AsyncIterable<never> = { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: true, value: undefined as never }) }) };

/**
 * Pass a request through the gateway's middleware without making a call: for requests that read
 * or cancel a resumable stream instead of starting one, so that they meet the same checks as a
 * call of `method` (a token, its scopes) and fail the same way (401, 403…). Resolves with the
 * principal the middleware authenticated (undefined: nobody, or no middleware).
 * @internal
 */
export async function authenticate(middleware: readonly Middleware<ClientCallContext>[], method: MethodDescriptor, ctx: RequestContext): Promise<string | undefined> {
  if (middleware.length === 0) return undefined;
  let seen: ClientCallContext | undefined;
  const inner: Next<ClientCallContext> = (call) => {
    seen = call.ctx;
    return Promise.resolve(returnsStream(call.method) ? EMPTY : {});
  };
  const c = new ClientContext({
    method, requestMetadata: ctx.metadata, peer: "gateway", protocol: "gateway", signal: ctx.signal, timeoutMs: ctx.timeoutMs,
  });
  try {
    const out = await compose(middleware, inner)({ method, request: {}, ctx: c });
    if (returnsStream(method)) for await (const _ of out as AsyncIterable<unknown>) break; // let wrappers finish
  } finally {
    c.dispose();
  }
  return seen === undefined ? undefined : principalOf(seen);
}
