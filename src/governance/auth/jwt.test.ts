import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKeyPairSync } from "node:crypto";
import { SignJWT, exportJWK, generateKeyPair, createLocalJWKSet, type JWTHeaderParameters } from "jose";
import { Code, RpcError } from "../../core/index.js";
import { Router, createClient, createInProcessTransport, type MethodDescriptor, type ServiceDescriptor } from "../../rpc/index.js";
import { jwtAuth, jwtClaims, type JwtAuthOptions } from "./jwt.js";

type U = MethodDescriptor<unknown, unknown, "unary">;
const json = { encode: (v: unknown) => new TextEncoder().encode(JSON.stringify(v ?? null)), decode: (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) };
const method = (name: string, options: Record<string, unknown> = {}) =>
  ({ name, serviceName: "t.Chat", path: `/t.Chat/${name}`, kind: "unary", idempotent: false, options, input: json, output: json }) as U;
const Chat = { name: "t.Chat", idl: "thrift", meta: {}, methods: { Generate: method("Generate"), Health: method("Health"), Admin: method("Admin", { "auth.scopes": "admin" }) } } as
  ServiceDescriptor<{ Generate: U; Health: U; Admin: U }>;
const secret = "a-shared-secret-of-enough-length-for-hs256";

function setup(options: Partial<JwtAuthOptions> = {}) {
  const router = new Router({ middleware: [jwtAuth({ key: { secret }, issuer: "weir-test", audience: "chat", rules: { Health: "public", Generate: { scopes: ["chat:write"] } }, ...options })] });
  router.service(Chat, {
    Generate: async (_req, ctx) => ({ sub: jwtClaims(ctx)?.sub }),
    Health: async () => ({ ok: true }),
    Admin: async () => ({ admin: true }),
  });
  return createClient(Chat, createInProcessTransport(router));
}

async function token(claims: Record<string, unknown>, opts: { exp?: string; key?: string | Uint8Array; iss?: string } = {}) {
  const key = typeof (opts.key ?? secret) === "string" ? new TextEncoder().encode((opts.key ?? secret) as string) : (opts.key as Uint8Array);
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer(opts.iss ?? "weir-test").setAudience("chat").setSubject("ada")
    .setIssuedAt().setExpirationTime(opts.exp ?? "5m").sign(key);
}
const bearer = (t: string) => ({ metadata: { authorization: `Bearer ${t}` } });
const code = (c: Code) => (e: RpcError) => e.code === c;

describe("jwtAuth", () => {
  it("accepts a valid token with the method's scope and exposes its claims", async () => {
    assert.deepEqual(await setup().Generate({}, bearer(await token({ scope: "chat:read chat:write" }))), { sub: "ada" });
  });

  it("lets public methods through without a token", async () => {
    assert.deepEqual(await setup().Health({}), { ok: true });
  });

  it("UNAUTHENTICATED without a token, with a malformed header, a bad signature, an expired token or a wrong issuer", async () => {
    const c = setup();
    await assert.rejects(c.Generate({}), (e: RpcError) => e.code === Code.Unauthenticated && /missing authorization/.test(e.rawMessage));
    await assert.rejects(c.Generate({}, { metadata: { authorization: "Basic abc" } }), code(Code.Unauthenticated));
    await assert.rejects(c.Generate({}, bearer(await token({ scope: "chat:write" }, { key: "another-secret-another-secret-another" }))), (e: RpcError) => e.code === Code.Unauthenticated && /bad signature/.test(e.rawMessage));
    await assert.rejects(c.Generate({}, bearer(await token({ scope: "chat:write" }, { exp: "-1m" }))), (e: RpcError) => /expired/.test(e.rawMessage));
    await assert.rejects(c.Generate({}, bearer(await token({ scope: "chat:write" }, { iss: "someone-else" }))), code(Code.Unauthenticated));
  });

  it("PERMISSION_DENIED when a scope is missing, including rules from the method's IDL options", async () => {
    const c = setup();
    await assert.rejects(c.Generate({}, bearer(await token({ scope: "chat:read" }))), (e: RpcError) => e.code === Code.PermissionDenied && /chat:write/.test(e.rawMessage));
    await assert.rejects(c.Admin({}, bearer(await token({ scope: "chat:write" }))), code(Code.PermissionDenied));
    assert.deepEqual(await c.Admin({}, bearer(await token({ scp: ["admin"] }))), { admin: true });
  });

  it("verifies asymmetric tokens against a key set", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
    const c = setup({ key: createLocalJWKSet({ keys: [jwk] }) });
    const t = await new SignJWT({ scope: "chat:write" }).setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer("weir-test").setAudience("chat").setSubject("eve").setExpirationTime("1m").sign(privateKey);
    assert.deepEqual(await c.Generate({}, bearer(t)), { sub: "eve" });
  });
});

// A self-signed EC P-256 certificate and its key, made for these tests only (openssl req -x509 -newkey ec).
const CERT = `-----BEGIN CERTIFICATE-----
MIIBjDCCATOgAwIBAgIUCQSJp9q8QE31o6jJG3cPaTVg2cIwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQd2Vpci10ZXN0LWlzc3VlcjAgFw0yNjEyMDcyMjI2MTZaGA8y
MTI2MTExMzIyMjYxNlowGzEZMBcGA1UEAwwQd2Vpci10ZXN0LWlzc3VlcjBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABN9ttCUX7q5ixzadumQzEADFVyMJP4ArNdzQ
daFhc2WXCUNZzvON1GHNnR2C6N+4pTqIBjOHPJeORICgakmMLHCjUzBRMB0GA1Ud
DgQWBBSXNA58EX8rLi+ikct8sfPW/+WzMDAfBgNVHSMEGDAWgBSXNA58EX8rLi+i
kct8sfPW/+WzMDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCICjY
5mtljsiMGkWV6xrjEX/R4ea0KtgQ0VDCXJF8eg1lAiAmkqzHOILzw32u1CtVXLZV
jtxwG18K7BxLqjVZYoXjGw==
-----END CERTIFICATE-----`;
const CERT_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXP94Weali5ZR7RvS
2kD03euSWrIMDVJNghvR2/F2ciqhRANCAATfbbQlF+6uYsc2nbpkMxAAxVcjCT+A
KzXc0HWhYXNllwlDWc7zjdRhzZ0dgujfuKU6iAYzhzyXjkSAoGpJjCxw
-----END PRIVATE KEY-----`;

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const RSA_PEM = rsa.publicKey.export({ type: "spki", format: "pem" }) as string;

/** A token for the "chat" audience of issuer weir-test, signed as `header` says; `exp` "none" leaves exp out. */
function signed(header: JWTHeaderParameters, key: Parameters<SignJWT["sign"]>[0], o: { exp?: string; claims?: Record<string, unknown> } = {}) {
  const t = new SignJWT({ scope: "chat:write", ...o.claims }).setProtectedHeader(header).setIssuer("weir-test").setAudience("chat").setSubject("ada").setIssuedAt();
  if (o.exp !== "none") t.setExpirationTime(o.exp ?? "5m");
  return t.sign(key);
}
const unauthenticated = (pattern: RegExp) => (e: RpcError) => e.code === Code.Unauthenticated && pattern.test(e.rawMessage);

describe("jwtAuth keys, algorithms and bounds", () => {
  it("refuses an HS256 token signed with the PEM public key (key confusion); accepts RS256 and PS256 from the key's owner", async () => {
    const c = setup({ key: RSA_PEM });
    const forged = await signed({ alg: "HS256" }, new TextEncoder().encode(RSA_PEM));
    await assert.rejects(c.Generate({}, bearer(forged)), unauthenticated(/algorithm not allowed/));
    assert.deepEqual(await c.Generate({}, bearer(await signed({ alg: "RS256" }, rsa.privateKey))), { sub: "ada" });
    assert.deepEqual(await c.Generate({}, bearer(await signed({ alg: "PS256" }, rsa.privateKey))), { sub: "ada" });
  });

  it("pins the algorithms the user narrows to: a PS256 token is refused when only RS256 is allowed", async () => {
    const c = setup({ key: RSA_PEM, algorithms: ["RS256"] });
    await assert.rejects(c.Generate({}, bearer(await signed({ alg: "PS256" }, rsa.privateKey))), unauthenticated(/algorithm not allowed/));
    assert.deepEqual(await c.Generate({}, bearer(await signed({ alg: "RS256" }, rsa.privateKey))), { sub: "ada" });
  });

  it("an X.509 certificate verifies ES256 tokens of its key, and only ES256", async () => {
    const c = setup({ key: CERT });
    const { createPrivateKey } = await import("node:crypto");
    const priv = createPrivateKey(CERT_KEY);
    assert.deepEqual(await c.Generate({}, bearer(await signed({ alg: "ES256" }, priv))), { sub: "ada" });
    await assert.rejects(c.Generate({}, bearer(await signed({ alg: "HS256" }, new TextEncoder().encode(CERT)))), unauthenticated(/algorithm not allowed/));
  });

  it("a public JWK object is a key of its type; its alg pins the algorithm", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES384");
    const c = setup({ key: { ...(await exportJWK(publicKey)), alg: "ES384" } });
    assert.deepEqual(await c.Generate({}, bearer(await signed({ alg: "ES384" }, privateKey))), { sub: "ada" });
  });

  it("refuses tokens without exp by default; requireExp: false accepts them", async () => {
    const noExp = await signed({ alg: "RS256" }, rsa.privateKey, { exp: "none" });
    await assert.rejects(setup({ key: RSA_PEM }).Generate({}, bearer(noExp)), unauthenticated(/claim exp missing/));
    assert.deepEqual(await setup({ key: RSA_PEM, requireExp: false }).Generate({}, bearer(noExp)), { sub: "ada" });
  });

  it("refuses an authorization value over maxTokenBytes before parsing it", async () => {
    const big = await signed({ alg: "RS256" }, rsa.privateKey, { claims: { pad: "x".repeat(10_000) } });
    await assert.rejects(setup({ key: RSA_PEM }).Generate({}, bearer(big)), unauthenticated(/exceeds the limit of 8192/));
    assert.deepEqual(await setup({ key: RSA_PEM, maxTokenBytes: 20_000 }).Generate({}, bearer(big)), { sub: "ada" });
  });

  it("accepts a token expired less than clockToleranceSec ago, not one expired longer", async () => {
    const c = setup({ key: RSA_PEM, clockToleranceSec: 60 });
    assert.deepEqual(await c.Generate({}, bearer(await signed({ alg: "RS256" }, rsa.privateKey, { exp: "-30s" }))), { sub: "ada" });
    await assert.rejects(c.Generate({}, bearer(await signed({ alg: "RS256" }, rsa.privateKey, { exp: "-90s" }))), unauthenticated(/expired/));
  });

  it("refuses at construction what would be unsafe or cannot work, saying what to pass", () => {
    const bad = (o: Partial<JwtAuthOptions>, pattern: RegExp) =>
      assert.throws(() => jwtAuth({ key: { secret }, ...o } as JwtAuthOptions), (e: RpcError) => e.code === Code.InvalidArgument && pattern.test(e.rawMessage));
    bad({ key: secret }, /pass \{ secret/);
    bad({ key: CERT_KEY }, /private key/);
    bad({ key: rsa.privateKey }, /private key/);
    bad({ key: { secret: "short" } }, /at least 32 bytes/);
    bad({ key: { kty: "oct", k: "c2VjcmV0" } }, /pass \{ secret \}/);
    bad({ key: RSA_PEM, algorithms: ["HS256"] }, /HS256 cannot be verified with an RSA key/);
    bad({ key: CERT, algorithms: ["ES384"] }, /ES384 cannot be verified with an EC prime256v1 key/);
    bad({ algorithms: [] }, /must not be empty/);
    bad({ clockToleranceSec: 3600 }, /clockToleranceSec must be a number of seconds in 0\.\.300/);
    bad({ maxTokenBytes: 0 }, /maxTokenBytes must be an integer/);
  });
});
