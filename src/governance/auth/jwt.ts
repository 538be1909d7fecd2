import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";
import { Code, RpcError } from "../../core/index.js";
import type { Call, CallContext, MethodDescriptor, Middleware, Next } from "../../rpc/index.js";
import { importKey, type ImportedKey, type JwtKey } from "./keys.js";

export type { JwtKey } from "./keys.js";

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
 * jwtAuth({ key: readFileSync("issuer-public.pem", "utf8") })   // RS*, PS* or ES* by the key's type
 * jwtAuth({ key: { secret: process.env.JWT_SECRET! } })          // HS256 (a secret of 32 bytes or more)
 */
export interface JwtAuthOptions {
  /**
   * Verification key, imported by its type (see {@link JwtKey}): a PEM public key or certificate,
   * a public JWK, `{ secret }` (or bytes) for a shared HMAC secret, a CryptoKey or KeyObject, or a
   * key set function from jose. A plain string that is not PEM is refused.
   */
  key: JwtKey;
  /** Accepted issuers (`iss`). Default: any. */
  issuer?: string | string[];
  /** Accepted audiences (`aud`). Default: any. */
  audience?: string | string[];
  /**
   * Accepted algorithms, a subset of what the key's type verifies. Default: all of those (RSA key:
   * RS256…PS512; EC key: the ES* of its curve; Ed25519: EdDSA; secret: HS256…HS512 as its length
   * allows; key set: every asymmetric algorithm).
   */
  algorithms?: string[];
  /** Refuse tokens without `exp` (they would never expire). Default true. */
  requireExp?: boolean;
  /** Leeway for `exp` and `nbf`, in seconds, 0..300. Default 5. */
  clockToleranceSec?: number;
  /** Longest `Bearer <token>` value accepted, in bytes; longer is UNAUTHENTICATED before any parsing. Default 8192. */
  maxTokenBytes?: number;
  /** Request metadata key carrying `Bearer <token>`. Default "authorization". */
  header?: string;
  /** Rules by method name, full path, or "*". Default: a valid token, nothing more. */
  rules?: Readonly<Record<string, MethodRule>>;
}

/** The defaults of {@link JwtAuthOptions}. */
export const JWT_AUTH_DEFAULTS = Object.freeze({
  requireExp: true,
  clockToleranceSec: 5,
  maxClockToleranceSec: 300,
  maxTokenBytes: 8192,
  header: "authorization",
});

/** @internal */
interface ResolvedJwtAuth {
  readonly key: ImportedKey;
  readonly header: string;
  readonly maxTokenBytes: number;
  readonly verify: JWTVerifyOptions;
}

/** Check the options and import the key once; a bad value throws INVALID_ARGUMENT saying what to pass. */
function resolveJwtAuth(o: JwtAuthOptions): ResolvedJwtAuth {
  const d = JWT_AUTH_DEFAULTS;
  const key = importKey(o.key, o.algorithms);
  const clockTolerance = o.clockToleranceSec ?? d.clockToleranceSec;
  if (!(clockTolerance >= 0 && clockTolerance <= d.maxClockToleranceSec)) {
    throw new RpcError(Code.InvalidArgument, `jwtAuth clockToleranceSec must be a number of seconds in 0..${d.maxClockToleranceSec}, got ${clockTolerance}`);
  }
  const maxTokenBytes = o.maxTokenBytes ?? d.maxTokenBytes;
  if (!Number.isInteger(maxTokenBytes) || maxTokenBytes < 64) {
    throw new RpcError(Code.InvalidArgument, `jwtAuth maxTokenBytes must be an integer >= 64, got ${maxTokenBytes}`);
  }
  const verify: JWTVerifyOptions = {
    ...(o.issuer !== undefined ? { issuer: o.issuer } : {}),
    ...(o.audience !== undefined ? { audience: o.audience } : {}),
    algorithms: [...key.algorithms],
    requiredClaims: (o.requireExp ?? d.requireExp) ? ["exp"] : [],
    clockTolerance,
  };
  return { key, header: (o.header ?? d.header).toLowerCase(), maxTokenBytes, verify };
}

/** `ctx.values` key of the verified claims. */
export const JWT_CLAIMS = Symbol.for("weir.auth.jwtClaims");

/** The verified claims of the call's token, if `jwtAuth` accepted one. */
export function jwtClaims(ctx: CallContext): JWTPayload | undefined {
  return ctx.values.get(JWT_CLAIMS) as JWTPayload | undefined;
}

/**
 * Server middleware that checks a JWT (jose) from request metadata (`authorization: Bearer …`).
 * The key is imported by its type once, and only the algorithms of that type are accepted (a
 * public key is never an HMAC secret); tokens must carry `exp` unless `requireExp` is false.
 * Per-method rules come from `rules` or, failing that, from the method's IDL options
 * (`auth = "public"`, `auth.scopes = "a b"`). No, a bad or an over-long token → UNAUTHENTICATED;
 * a valid token that lacks a scope or claim → PERMISSION_DENIED. The claims are in `jwtClaims(ctx)`.
 * Bad options throw INVALID_ARGUMENT at once.
 */
export function jwtAuth(options: JwtAuthOptions): Middleware {
  const { key: { key }, header, maxTokenBytes, verify: verifyOptions } = resolveJwtAuth(options);
  const rules = new WeakMap<MethodDescriptor, MethodRule | undefined>();
  const ruleOf = (m: MethodDescriptor): MethodRule | undefined => {
    if (rules.has(m)) return rules.get(m);
    const r = options.rules?.[m.path] ?? options.rules?.[m.name] ?? idlRule(m) ?? options.rules?.["*"];
    rules.set(m, r);
    return r;
  };
  const verify = async (call: Call): Promise<void> => {
    const token = bearerToken(call.ctx, header, maxTokenBytes);
    let claims: JWTPayload;
    try {
      claims = (await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], verifyOptions)).payload;
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

/** The token of `Bearer <token>` in metadata `header`; UNAUTHENTICATED when missing, malformed or too long. */
function bearerToken(ctx: CallContext, header: string, maxBytes: number): string {
  const raw = ctx.requestMetadata.getString(header);
  if (raw === undefined) throw new RpcError(Code.Unauthenticated, `missing ${header} metadata (Bearer token)`);
  if (raw.length > maxBytes) throw new RpcError(Code.Unauthenticated, `${header} metadata of ${raw.length} bytes exceeds the limit of ${maxBytes}`);
  const m = /^Bearer\s+(\S+)\s*$/i.exec(raw);
  if (m === null) throw new RpcError(Code.Unauthenticated, `${header} metadata is not "Bearer <token>"`);
  return m[1]!;
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
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return "algorithm not allowed";
  return (e instanceof Error ? e.message : String(e)).slice(0, 200);
}
