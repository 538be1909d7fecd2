// jwtAuth on a real Weir gRPC server: a PEM public key is an asymmetric key (an HS256 token signed
// with the PEM text is refused), algorithms are pinned, exp is required, long tokens are refused
// (under the gRPC transport's own 8 KiB metadata limit).
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { SignJWT, type JWTHeaderParameters } from "jose";
import { Code, RpcError, createClient } from "../../src/index.js";
import { jwtAuth } from "../../src/governance/index.js";
import { createGrpcTransport, type GrpcTransport } from "../../src/transport/index.js";
import { Work, startWork, type Running } from "./fixture.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PEM = rsa.publicKey.export({ type: "spki", format: "pem" }) as string;

function token(header: JWTHeaderParameters, key: Parameters<SignJWT["sign"]>[0], o: { exp?: string; pad?: number } = {}): Promise<string> {
  const t = new SignJWT({ pad: "x".repeat(o.pad ?? 0) }).setProtectedHeader(header).setIssuer("weir-test").setSubject("ada");
  if (o.exp !== "none") t.setExpirationTime(o.exp ?? "5m");
  return t.sign(key);
}

describe("jwtAuth on a gRPC server", { timeout: 20_000 }, () => {
  let srv: Running;
  let transport: GrpcTransport;
  before(async () => {
    srv = await startWork("jwt", { middleware: [jwtAuth({ key: PEM, issuer: "weir-test", algorithms: ["RS256"], maxTokenBytes: 4096 })] });
    transport = createGrpcTransport({ target: srv.address });
  });
  after(async () => {
    await transport.close();
    await srv.server.close({ graceMs: 0 });
  });
  const call = async (t: string) => createClient(Work, transport).Do({ text: "hi" }, { metadata: { authorization: `Bearer ${t}` } });
  const refused = (pattern: RegExp) => (e: RpcError) => e.code === Code.Unauthenticated && pattern.test(e.rawMessage);

  it("accepts an RS256 token of the key's owner", async () => {
    assert.equal((await call(await token({ alg: "RS256" }, rsa.privateKey))).text, "hi");
  });

  it("refuses an HS256 token signed with the public key's PEM text", async () => {
    await assert.rejects(call(await token({ alg: "HS256" }, new TextEncoder().encode(PEM))), refused(/algorithm not allowed/));
  });

  it("refuses a token in an algorithm left out of `algorithms` (PS256), one without exp, and one over maxTokenBytes", async () => {
    await assert.rejects(call(await token({ alg: "PS256" }, rsa.privateKey)), refused(/algorithm not allowed/));
    await assert.rejects(call(await token({ alg: "RS256" }, rsa.privateKey, { exp: "none" })), refused(/claim exp missing/));
    await assert.rejects(call(await token({ alg: "RS256" }, rsa.privateKey, { pad: 4000 })), refused(/exceeds the limit of 4096/));
  });
});
