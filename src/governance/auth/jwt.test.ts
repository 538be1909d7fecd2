import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SignJWT, exportJWK, generateKeyPair, createLocalJWKSet } from "jose";
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
  const router = new Router({ middleware: [jwtAuth({ key: secret, issuer: "weir-test", audience: "chat", rules: { Health: "public", Generate: { scopes: ["chat:write"] } }, ...options })] });
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
