import { X509Certificate, createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from "node:crypto";
import type { CryptoKey, JWK, JWTVerifyGetKey } from "jose";
import { Code, RpcError } from "../../core/index.js";

/**
 * What `jwtAuth` verifies with. Each form says what kind of key it is, so a token can never pick
 * the kind: a public key is never used as an HMAC secret.
 *
 * - a PEM string: a public key (`-----BEGIN PUBLIC KEY-----`, or PKCS#1 `RSA PUBLIC KEY`) or an
 *   X.509 certificate (`-----BEGIN CERTIFICATE-----`);
 * - a public JWK object (`kty` RSA, EC or OKP);
 * - `{ secret }` or a `Uint8Array`: a shared HMAC secret (HS256…), at least 32 bytes;
 * - a `CryptoKey` or `KeyObject` (public, or secret for HMAC);
 * - a key set function from jose (`createRemoteJWKSet`, `createLocalJWKSet`).
 */
export type JwtKey = string | Uint8Array | { readonly secret: string | Uint8Array } | JWK | CryptoKey | KeyObject | JWTVerifyGetKey;

/** A key ready for jose, and the algorithms it may verify. @internal */
export interface ImportedKey {
  readonly key: CryptoKey | KeyObject | JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  /** What the key is, for messages ("an EC P-256 key"). */
  readonly kind: string;
}

const HMAC = ["HS256", "HS384", "HS512"] as const;
const RSA = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"] as const;
const PSS = ["PS256", "PS384", "PS512"] as const;
const EDDSA = ["EdDSA", "Ed25519"] as const;
const CURVE_ALG: Readonly<Record<string, string>> = { prime256v1: "ES256", "P-256": "ES256", secp384r1: "ES384", "P-384": "ES384", secp521r1: "ES512", "P-521": "ES512" };
/** What a key set function may verify unless told otherwise: every asymmetric algorithm jose knows. */
const KEY_SET_DEFAULT = [...RSA, "ES256", "ES384", "ES512", ...EDDSA] as const;
const KEY_SET_ALLOWED = new Set<string>([...KEY_SET_DEFAULT, ...HMAC, "ML-DSA-44", "ML-DSA-65", "ML-DSA-87"]);
/** RFC 7518 §3.2: an HMAC key at least as long as the hash. */
const MIN_SECRET_BYTES = 32;

const invalid = (message: string): RpcError => new RpcError(Code.InvalidArgument, `jwtAuth key: ${message}`);

/**
 * Import `key` by its type and pin the algorithms it may verify; `wanted` (the user's
 * `algorithms`) may only narrow them. Throws INVALID_ARGUMENT saying what to pass instead.
 * @internal
 */
export function importKey(key: JwtKey, wanted: readonly string[] | undefined): ImportedKey {
  const imported = importByType(key);
  if (wanted === undefined) return imported;
  const fits = typeof imported.key === "function" ? KEY_SET_ALLOWED : new Set(imported.algorithms);
  const unfit = wanted.filter((a) => !fits.has(a));
  if (wanted.length === 0 || unfit.length > 0) {
    throw new RpcError(Code.InvalidArgument, `jwtAuth algorithms ${wanted.length === 0 ? "must not be empty" : `${unfit.join(", ")} cannot be verified with ${imported.kind}`}; it verifies ${[...fits].join(", ")}`);
  }
  return { ...imported, algorithms: [...wanted] };
}

function importByType(key: JwtKey): ImportedKey {
  if (typeof key === "function") return { key, algorithms: KEY_SET_DEFAULT, kind: "a key set" };
  if (typeof key === "string") return fromKeyObject(fromPem(key));
  if (key instanceof Uint8Array) return fromKeyObject(secretKey(key));
  if (isKeyObject(key)) return fromKeyObject(key);
  if (isCryptoKey(key)) return fromCryptoKey(key);
  if (typeof key === "object" && key !== null && "secret" in key) {
    const s = key.secret;
    return fromKeyObject(secretKey(typeof s === "string" ? new TextEncoder().encode(s) : s));
  }
  if (typeof key === "object" && key !== null && typeof (key as JWK).kty === "string") return fromJwk(key as JWK);
  throw invalid("pass a PEM public key or certificate, a public JWK, { secret } for a shared secret, a CryptoKey or KeyObject, or a key set function");
}

/**
 * A PEM public key or certificate. jose's importSPKI/importX509 bind a key to one algorithm; the
 * KeyObject of node:crypto knows the key's type, so every algorithm of that type can be pinned.
 */
function fromPem(pem: string): KeyObject {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
  if (label === undefined) {
    throw invalid("a string must be a PEM public key or certificate; for a shared secret pass { secret: \"…\" } (a secret given as a plain string is refused, so that a public key can never be taken for one)");
  }
  if (label.includes("PRIVATE")) throw invalid("this is a private key; give jwtAuth the public key (or the certificate)");
  try {
    if (label === "CERTIFICATE") return new X509Certificate(pem).publicKey;
    if (label === "PUBLIC KEY" || label === "RSA PUBLIC KEY") return createPublicKey(pem);
  } catch (e) {
    throw new RpcError(Code.InvalidArgument, `jwtAuth key: cannot read the PEM ${label.toLowerCase()}: ${(e as Error).message}`, { cause: e });
  }
  throw invalid(`a PEM "${label}" is not a public key; give "PUBLIC KEY" or "CERTIFICATE"`);
}

function fromJwk(jwk: JWK): ImportedKey {
  if (jwk.kty === "oct") throw invalid("a symmetric JWK (kty oct) is a shared secret; pass { secret } instead");
  if (jwk.d !== undefined || (jwk as { priv?: unknown }).priv !== undefined) throw invalid("this JWK holds a private key; give jwtAuth the public JWK");
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
  } catch (e) {
    throw new RpcError(Code.InvalidArgument, `jwtAuth key: cannot read the JWK: ${(e as Error).message}`, { cause: e });
  }
  const imported = fromKeyObject(keyObject);
  if (jwk.alg === undefined) return imported;
  if (!imported.algorithms.includes(jwk.alg)) throw invalid(`the JWK's alg ${jwk.alg} does not fit ${imported.kind}`);
  return { ...imported, algorithms: [jwk.alg] };
}

function secretKey(bytes: Uint8Array): KeyObject {
  if (bytes.byteLength < MIN_SECRET_BYTES) throw invalid(`a shared secret must have at least ${MIN_SECRET_BYTES} bytes, got ${bytes.byteLength}`);
  return createSecretKey(bytes);
}

function fromKeyObject(k: KeyObject): ImportedKey {
  if (k.type === "secret") {
    const bits = (k.symmetricKeySize ?? 0) * 8;
    return { key: k, algorithms: HMAC.filter((a) => bits >= Number(a.slice(2))), kind: "a shared secret" };
  }
  if (k.type === "private") throw invalid("this is a private key; give jwtAuth the public key");
  const type = k.asymmetricKeyType;
  if (type === "rsa") return { key: k, algorithms: RSA, kind: "an RSA key" };
  if (type === "rsa-pss") return { key: k, algorithms: PSS, kind: "an RSA-PSS key" };
  if (type === "ed25519") return { key: k, algorithms: EDDSA, kind: "an Ed25519 key" };
  if (type === "ec") {
    const curve = k.asymmetricKeyDetails?.namedCurve ?? "";
    const alg = CURVE_ALG[curve];
    if (alg !== undefined) return { key: k, algorithms: [alg], kind: `an EC ${curve} key` };
  }
  throw invalid(`keys of type ${type ?? "unknown"}${type === "ec" ? ` on curve ${k.asymmetricKeyDetails?.namedCurve}` : ""} are not supported`);
}

function fromCryptoKey(k: CryptoKey): ImportedKey {
  const a = k.algorithm as { name: string; hash?: { name: string }; namedCurve?: string };
  const bits = a.hash?.name.replace("SHA-", "") ?? "";
  if (k.type === "private") throw invalid("this is a private key; give jwtAuth the public key");
  const alg =
    a.name === "HMAC" ? `HS${bits}`
    : a.name === "RSASSA-PKCS1-v1_5" ? `RS${bits}`
    : a.name === "RSA-PSS" ? `PS${bits}`
    : a.name === "ECDSA" ? CURVE_ALG[a.namedCurve ?? ""]
    : undefined;
  if (a.name === "Ed25519") return { key: k, algorithms: EDDSA, kind: "an Ed25519 key" };
  if (alg === undefined) throw invalid(`a CryptoKey for ${a.name} cannot verify JWTs`);
  return { key: k, algorithms: [alg], kind: `a ${a.name} CryptoKey` };
}

function isKeyObject(k: unknown): k is KeyObject {
  return (k as { [Symbol.toStringTag]?: string })?.[Symbol.toStringTag] === "KeyObject";
}

function isCryptoKey(k: unknown): k is CryptoKey {
  return (k as { [Symbol.toStringTag]?: string })?.[Symbol.toStringTag] === "CryptoKey";
}
