// Hostile HTTP input at the gateway, over a real gRPC model server: JSON nested deep enough to
// overflow a recursive walk, numbers that would wrap on the wire, and requests refused late by
// the upstream. Each is a 4xx with a short JSON error, never a 500 or a 200 with `event: error`.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import WebSocket from "ws";
import { createGateway, openAiRoutes, type Gateway } from "../../src/gateway/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { closeHttp, listenHttp, probeService, startModelServer, type ModelServer } from "./fixture.js";
import { within } from "../helpers/wait.js";

const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
interface ErrorBody { error: { status?: string; message: string; type?: string; param?: string | null } }

describe("hostile input at the gateway", { timeout: 30_000 }, () => {
  let model: ModelServer;
  let gateway: Gateway;
  let server: http.Server;
  let url: string;

  before(async () => {
    model = await startModelServer({ tokensPerSecond: 0 });
    gateway = createGateway({
      services: [probeService, generationDescriptor()],
      transport: model.transport,
      routes: [
        { path: "/probe", rpc: "gw.test.Probe/Unary" },
        { path: "/probe-stream", rpc: "Probe/Server" },
        { path: "/probe-ws", rpc: "Probe/Bidi" },
        ...openAiRoutes({ service: generationDescriptor(), transport: model.transport }),
      ],
    });
    server = http.createServer(gateway.handle).on("upgrade", gateway.handleUpgrade);
    url = await listenHttp(server);
  });
  after(async () => {
    await gateway?.close();
    if (server) await closeHttp(server);
    await model?.close();
  });

  const post = (path: string, body: string) => fetch(`${url}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });

  it("deeply nested JSON is 400 with a short message on JSON, SSE and OpenAI routes (was 500: the error path stringified it)", async () => {
    for (const [path, body] of [
      ["/probe", `{"text": ${deep(100_000)}}`],
      ["/probe-stream", `{"count": ${deep(100_000)}}`],
      ["/probe", `{"text": ${deep(65)}}`],
      ["/v1/chat/completions", `{"model": "fast", "messages": [{"role": "user", "content": ${deep(100_000)}}]}`],
    ] as const) {
      const r = await post(path, body);
      const text = await r.text();
      assert.equal(r.status, 400, `${path}: ${text.slice(0, 200)}`);
      assert.ok(text.length < 400, `${path}: a short message, got ${text.length} chars`);
      const e = (JSON.parse(text) as ErrorBody).error;
      if (path.startsWith("/v1")) assert.equal(e.type, "invalid_request_error");
      else assert.match(e.message, /nests deeper than 64/);
    }
  });

  it("a WebSocket message nested too deep ends the call with INVALID_ARGUMENT", async () => {
    const ws = new WebSocket(`${url.replace("http", "ws")}/probe-ws`);
    const messages: string[] = [];
    ws.on("message", (d) => messages.push(String(d)));
    const closed = within(new Promise<number>((resolve) => ws.on("close", (code) => resolve(code))), "the WebSocket's close");
    await within(new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject)), "the WebSocket's open");
    ws.send(`{"text": ${deep(100_000)}}`);
    assert.equal(await closed, 1011);
    assert.match(messages.at(-1) ?? "", /"status":"INVALID_ARGUMENT".*nests deeper than 64/);
  });

  it("OpenAI: max_tokens beyond 32 bits is 400 naming the parameter (was wrapped: 4294967299 became 3)", async () => {
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0, timeout: 10_000 });
    const messages = [{ role: "user" as const, content: "hi" }];
    for (const [name, extra] of [
      ["max_tokens", { max_tokens: 4294967299 }],
      ["max_completion_tokens", { max_completion_tokens: 2 ** 31 }],
      ["seed", { seed: 2 ** 64 }],
      ["temperature", { temperature: 3 }],
      ["top_p", { top_p: -0.5 }],
      ["n", { n: 2 }],
      ["presence_penalty", { presence_penalty: 5 }],
      ["frequency_penalty", { frequency_penalty: "x" as unknown as number }],
    ] as const) {
      for (const stream of [false, true]) {
        const e = await openai.chat.completions.create({ model: "fast", messages, ...extra, stream }).then(() => undefined, (x: unknown) => x);
        assert.ok(e instanceof OpenAI.BadRequestError, `${name} (stream ${stream}): expected 400, got ${String(e)}`);
        assert.equal(e.param, name);
      }
    }
    const text = await openai.completions.create({ model: "fast", prompt: "hi", max_tokens: 4294967299 }).then(() => undefined, (x: unknown) => x);
    assert.ok(text instanceof OpenAI.BadRequestError && text.param === "max_tokens");
  });

  it("a timeout header above maxTimeoutMs or malformed, and a query field path deeper than 16, are 400", async () => {
    const status = async (path: string, headers: Record<string, string> = {}) => {
      const r = await fetch(`${url}${path}`, { headers });
      return `${r.status} ${((await r.json()) as ErrorBody).error.message}`;
    };
    assert.match(await status("/probe-stream?text=a", { "x-timeout-ms": "3600001" }), /^400 timeout of 3600001 ms exceeds the limit of 3600000 ms/);
    assert.match(await status("/probe-stream?text=a", { "x-timeout-ms": "soon" }), /^400 x-timeout-ms must be a whole number of ms/);
    assert.match(await status("/probe-stream?text=a", { "grpc-timeout": "1Y" }), /^400 grpc-timeout must look like/);
    assert.match(await status(`/probe-stream?${Array.from({ length: 17 }, (_, i) => `f${i}`).join(".")}=1`), /^400 query parameter "f0\.f1.*" is not a field path/);
  });
});
