import { errors as joseErrors, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey, type KeyObject } from "jose";
import { Code, RpcError } from "../../core/index.js";
import type { Call, CallContext, MethodDescriptor, Middleware, Next } from "../../rpc/index.js";

/** What a method asks of a caller. */
export type MethodRule =
  | "public"
  | {
      /** Scopes the token must grant (claim `scope`, space-separated, or `scp`, a list); all are needed. */
      scopes?: readonly string[];
      /** Claims that must have these values (a list means any of them). */
      claims?: Readonly<Record<string, string | readonly string[]>>;
      /** A check of your own; false means PERMISSION_DENIED. */
      check?: (claims: JWTPayload, call: Call) => boolean;
    };

/**
 * Options of `jwtAuth()`.
 *
 * @example
 * jwtAuth({
 *   key: createRemoteJWKSet(new URL("https://issuer/.well-known/jwks.json")),
 *   issuer: "https://issuer", audience: "chat",
 *   rules: { Health: "public", Generate: { scopes: ["chat:write"] } },
 * })
 */
export interface JwtAuthOptions {
  /** Verification key: a shared secret (string or bytes, HS*), a public key, or a key set function from jose. */
  key: string | Uint8Array | CryptoKey | KeyObject | JWTVerifyGetKey;
  /** Accepted issuers (`iss`). Default: any. */
  issuer?: string | string[];
  /** Accepted audiences (`aud`). Default: any. */
  audience?: string | string[];
  /** Accepted algorithms. Default: what the key allows. */
  algorithms?: string[];
  /** Leeway for `exp` and `nbf`, in seconds. Default 5. */
  clockToleranceSec?: number;
  /** Request metadata key carrying `Bearer <token>`. Default "authorization". */
  header?: string;
  /** Rules by method name, full path, or "*". Default: a valid token, nothing more. */
  rules?: Readonly<Record<string, MethodRule>>;
}

/** `ctx.values` key of the verified claims. */
export const JWT_CLAIMS = Symbol.for("weir.auth.jwtClaims");

/** The verified claims of the call's token, if `jwtAuth` accepted one. */
export function jwtClaims(ctx: CallContext): JWTPayload | undefined {
  return ctx.values.get(JWT_CLAIMS) as JWTPayload | undefined;
}

/**
 * Server middleware that checks a JWT (jose) from request metadata (`authorization: Bearer …`).
 * Per-method rules come from `rules` or, failing that, from the method's IDL options
 * (`auth = "public"`, `auth.scopes = "a b"`). No or a bad token → UNAUTHENTICATED; a valid token
 * that lacks a scope or claim → PERMISSION_DENIED. The claims are in `jwtClaims(ctx)`.
 */
export function jwtAuth(options: JwtAuthOptions): Middleware {
  const key = typeof options.key === "string" ? new TextEncoder().encode(options.key) : options.key;
  const header = (options.header ?? "authorization").toLowerCase();
  const verifyOptions = {
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
    ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
    clockTolerance: options.clockToleranceSec ?? 5,
  };
  const rules = new WeakMap<MethodDescriptor, MethodRule | undefined>();
  const ruleOf = (m: MethodDescriptor): MethodRule | undefined => {
    if (rules.has(m)) return rules.get(m);
    const r = options.rules?.[m.path] ?? options.rules?.[m.name] ?? idlRule(m) ?? options.rules?.["*"];
    rules.set(m, r);
    return r;
  };
  const verify = async (call: Call): Promise<void> => {
    const raw = call.ctx.requestMetadata.getString(header);
    const m = raw === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(raw);
    if (m === null) throw new RpcError(Code.Unauthenticated, raw === undefined ? `missing ${header} metadata (Bearer token)` : `${header} metadata is not "Bearer <token>"`);
    let claims: JWTPayload;
    try {
      claims = (await jwtVerify(m[1]!, key as Parameters<typeof jwtVerify>[1], verifyOptions)).payload;
    } catch (e) {
      throw new RpcError(Code.Unauthenticated, `invalid token: ${describe(e)}`, { cause: e });
    }
    const rule = ruleOf(call.method);
    if (rule !== undefined && rule !== "public") checkRule(rule, claims, call);
    call.ctx.values.set(JWT_CLAIMS, claims);
  };
  return <C extends CallContext>(next: Next<C>): Next<C> => (call) => {
    if (ruleOf(call.method) === "public") return next(call);
    return verify(call).then(() => next(call));
  };
}

function checkRule(rule: Exclude<MethodRule, "public">, claims: JWTPayload, call: Call): void {
  if (rule.scopes !== undefined && rule.scopes.length > 0) {
    const granted = scopesOf(claims);
    const missing = rule.scopes.filter((s) => !granted.has(s));
    if (missing.length > 0) throw new RpcError(Code.PermissionDenied, `token lacks scope ${missing.join(", ")} for ${call.method.path}`);
  }
  for (const [name, want] of Object.entries(rule.claims ?? {})) {
    const have = claims[name];
    const ok = typeof want === "string" ? have === want : (want as readonly string[]).includes(String(have));
    if (!ok) throw new RpcError(Code.PermissionDenied, `token claim ${name} does not allow ${call.method.path}`);
  }
  if (rule.check !== undefined && !rule.check(claims, call)) {
    throw new RpcError(Code.PermissionDenied, `token does not allow ${call.method.path}`);
  }
}

function scopesOf(claims: JWTPayload): Set<string> {
  const out = new Set<string>();
  if (typeof claims["scope"] === "string") for (const s of (claims["scope"] as string).split(/\s+/)) if (s) out.add(s);
  if (Array.isArray(claims["scp"])) for (const s of claims["scp"] as unknown[]) out.add(String(s));
  return out;
}

/** A rule from the method's IDL options: `auth = "public"`, `auth.scopes = "a b"`. */
function idlRule(m: MethodDescriptor): MethodRule | undefined {
  const o = m.options ?? {};
  if (o["auth"] === "public" || o["(auth)"] === "public") return "public";
  const scopes = o["auth.scopes"];
  if (typeof scopes === "string") return { scopes: scopes.split(/[\s,]+/).filter(Boolean) };
  return undefined;
}

function describe(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return "expired";
  if (e instanceof joseErrors.JWTClaimValidationFailed) return `claim ${e.claim} ${e.reason}`;
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return "bad signature";
  return e instanceof Error ? e.message : String(e);
}
