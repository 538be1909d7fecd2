// Governance at the gateway: jwtAuth as gateway middleware (401 + JSON), an upstream rate limit as
// 429 + Retry-After (native JSON and OpenAI shapes), and a body over the limit as 413.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { SignJWT, type JWTHeaderParameters } from "jose";
import { createGateway, openAiRoutes, type Gateway } from "../../src/gateway/index.js";
import { jwtAuth, rateLimit } from "../../src/governance/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { closeHttp, listenHttp, probeService, startModelServer, type ModelServer } from "./fixture.js";

const secret = "a-shared-secret-of-enough-length-for-hs256";
const sign = (key = secret, exp = "5m") =>
  new SignJWT({ scope: "chat" }).setProtectedHeader({ alg: "HS256" }).setIssuer("weir-test").setAudience("gw")
    .setSubject("ada").setExpirationTime(exp).sign(new TextEncoder().encode(key));

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const RSA_PEM = rsa.publicKey.export({ type: "spki", format: "pem" }) as string;
/** A token for audience "gw" of issuer weir-test signed as `header` says; exp "none" leaves exp out. */
const signAs = (header: JWTHeaderParameters, key: Parameters<SignJWT["sign"]>[0], exp = "5m") => {
  const t = new SignJWT({ scope: "chat" }).setProtectedHeader(header).setIssuer("weir-test").setAudience("gw").setSubject("ada");
  return (exp === "none" ? t : t.setExpirationTime(exp)).sign(key);
};

interface ErrorBody { error: { code: number; status: string; message: string } }

describe("governance at the gateway", { timeout: 30_000 }, () => {
  let model: ModelServer;
  let gateways: Gateway[];
  let server: http.Server;
  let url: string;

  before(async () => {
    // Generation and Probe/Client get one call, then wait ~100 s; every other method is unlimited in practice.
    model = await startModelServer({
      tokensPerSecond: 0,
      middleware: [rateLimit({ qps: 1e6, methods: { Generate: 0.01, Complete: 0.01, "/gw.test.Probe/Client": 0.01 } })],
    });
    const authed = createGateway({
      services: [probeService],
      transport: model.transport,
      middleware: [jwtAuth({ key: { secret }, issuer: "weir-test", audience: "gw" })],
      routes: [{ path: "/secure", rpc: "gw.test.Probe/Unary" }],
    });
    const rsaGated = createGateway({
      services: [probeService],
      transport: model.transport,
      middleware: [jwtAuth({ key: RSA_PEM, issuer: "weir-test", audience: "gw" })],
      routes: [{ path: "/secure-rsa", rpc: "gw.test.Probe/Unary" }],
    });
    const open = createGateway({
      services: [probeService],
      transport: model.transport,
      maxBodyBytes: 256,
      routes: [{ path: "/collect", rpc: "gw.test.Probe/Client" }, ...openAiRoutes({ service: generationDescriptor(), transport: model.transport })],
    });
    gateways = [authed, rsaGated, open];
    server = http.createServer((req, res) => {
      if (!authed.tryHandle(req, res) && !rsaGated.tryHandle(req, res)) open.handle(req, res);
    });
    url = await listenHttp(server);
  });
  after(async () => {
    await closeHttp(server);
    await Promise.all(gateways.map((g) => g.close()));
    await model.close();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

  it("jwtAuth at the gateway: 401 + JSON without a token or with a bad one; a valid token passes", async () => {
    const missing = await post("/secure", JSON.stringify({ text: "hi" }));
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get("content-type") ?? "", /application\/json/);
    const m = (await missing.json()) as ErrorBody;
    assert.equal(m.error.status, "UNAUTHENTICATED");
    assert.match(m.error.message, /missing authorization/);

    const forged = await post("/secure", JSON.stringify({ text: "hi" }), { authorization: `Bearer ${await sign("another-secret-another-secret-another")}` });
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as ErrorBody).error.status, "UNAUTHENTICATED");
    const expired = await post("/secure", "{}", { authorization: `Bearer ${await sign(secret, "-1m")}` });
    assert.equal(expired.status, 401);
    await expired.body?.cancel();

    const ok = await post("/secure", JSON.stringify({ text: "hi" }), { authorization: `Bearer ${await sign()}` });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { text: string }).text, "hi");
  });

  it("jwtAuth with a PEM public key at the gateway: 401 for an HS256 token signed with the PEM text, for a token without exp, for a huge token; RS256 passes", async () => {
    const statusOf = async (token: string) => {
      const r = await post("/secure-rsa", JSON.stringify({ text: "hi" }), { authorization: `Bearer ${token}` });
      const body = (await r.json()) as ErrorBody & { text?: string };
      return `${r.status} ${body.error?.message ?? body.text}`;
    };
    assert.match(await statusOf(await signAs({ alg: "HS256" }, new TextEncoder().encode(RSA_PEM))), /^401 invalid token: algorithm not allowed/);
    assert.match(await statusOf(await signAs({ alg: "RS256" }, rsa.privateKey, "none")), /^401 invalid token: claim exp missing/);
    assert.match(await statusOf(`${"a".repeat(9000)}.b.c`), /^401 authorization metadata of 9011 bytes exceeds the limit of 8192/);
    assert.equal(await statusOf(await signAs({ alg: "RS256" }, rsa.privateKey)), "200 hi");
  });

  it("an upstream rate limit is 429 with Retry-After and the JSON error body", async () => {
    const first = await post("/collect", JSON.stringify([{ text: "a" }]));
    assert.equal(first.status, 200);
    await first.body?.cancel();
    const limited = await post("/collect", JSON.stringify([{ text: "b" }]));
    assert.equal(limited.status, 429);
    const after = Number(limited.headers.get("retry-after"));
    assert.ok(Number.isInteger(after) && after >= 1 && after <= 100, `Retry-After in seconds, got ${limited.headers.get("retry-after")}`);
    const body = (await limited.json()) as ErrorBody;
    assert.equal(body.error.status, "RESOURCE_EXHAUSTED");
    assert.match(body.error.message, /rate limit/);
  });

  it("OpenAI facade: 429 in OpenAI's error shape with Retry-After, streaming or not", async () => {
    const chat = (stream: boolean) => post("/v1/chat/completions", JSON.stringify({ model: "fast", max_tokens: 2, stream, messages: [{ role: "user", content: "hi" }] }));
    for (const stream of [false, true]) {
      const first = await chat(stream);
      assert.equal(first.status, 200, `the first ${stream ? "streamed" : "whole"} call passes`);
      await first.text();
      const limited = await chat(stream);
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get("retry-after")) >= 1, "Retry-After present");
      const body = (await limited.json()) as { error: { type: string; code: string; message: string; param: null } };
      assert.equal(body.error.type, "rate_limit_error");
      assert.equal(body.error.code, "rate_limit_exceeded");
      assert.equal(body.error.param, null);
    }
  });

  it("a body over the gateway's limit is 413 (native JSON and OpenAI shapes)", async () => {
    const big = "x".repeat(1000);
    const native = await post("/collect", JSON.stringify([{ text: big }]));
    assert.equal(native.status, 413);
    assert.equal(native.headers.get("retry-after"), null);
    assert.equal(((await native.json()) as ErrorBody).error.status, "RESOURCE_EXHAUSTED");
    const oa = await post("/v1/chat/completions", JSON.stringify({ model: "fast", messages: [{ role: "user", content: big }] }));
    assert.equal(oa.status, 413);
    const body = (await oa.json()) as { error: { type: string; code: string } };
    assert.equal(body.error.type, "invalid_request_error");
    assert.equal(body.error.code, "request_too_large");
  });
});
