// The OpenAI-compatible routes driven by the official `openai` npm client (and raw fetch for the
// exact wire), backed by the Generation service over gRPC.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { createGateway, openAiRoutes, type Gateway, type GenerationClientLike } from "../../src/gateway/index.js";
import { createClient, type ClientTransport } from "../../src/rpc/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { closeHttp, listenHttp, startModelServer, tokensAfterAbort, type ModelServer } from "./fixture.js";

const ask = [{ role: "user" as const, content: "Tell me about the river." }];

describe("OpenAI-compatible API", { timeout: 30_000 }, () => {
  let model: ModelServer;
  let gateway: Gateway;
  let server: http.Server;
  let url: string;
  let openai: OpenAI;

  before(async () => {
    model = await startModelServer({ tokensPerSecond: 200 });
    gateway = createGateway({ routes: openAiRoutes({ service: generationDescriptor(), transport: model.transport }) });
    const typed: GenerationClientLike = createClient(generationDescriptor(), model.transport); // a typed client fits too
    assert.ok(typed);
    server = http.createServer(gateway.handle);
    url = await listenHttp(server);
    openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    if (server) await closeHttp(server);
    await model?.close();
  });

  it("non-streaming chat completion", async () => {
    const r = await openai.chat.completions.create({ model: "fast", messages: ask, max_tokens: 30, seed: 3, temperature: 0.8 });
    assert.match(r.id, /^chatcmpl-[A-Za-z0-9_-]{24}$/);
    assert.equal(r.object, "chat.completion");
    assert.equal(r.model, "fast");
    assert.equal(r.choices.length, 1);
    const c = r.choices[0]!;
    assert.equal(c.index, 0);
    assert.equal(c.message.role, "assistant");
    assert.ok(typeof c.message.content === "string" && c.message.content.length > 0);
    assert.ok(c.finish_reason === "stop" || c.finish_reason === "length");
    assert.ok(r.usage!.prompt_tokens > 0 && r.usage!.completion_tokens > 0 && r.usage!.completion_tokens <= 30);
    assert.equal(r.usage!.total_tokens, r.usage!.prompt_tokens + r.usage!.completion_tokens);
  });

  it("streaming chat completion: role first, content deltas, finish chunk, a separate usage chunk, then [DONE]", async () => {
    const params = { model: "fast", messages: ask, max_tokens: 30, seed: 3, temperature: 0.8 };
    const whole = await openai.chat.completions.create(params);
    const stream = await openai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.length >= 4);
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
    assert.ok(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "fast" && c.created === chunks[0]!.created));
    assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: "assistant", content: "" });
    const usageChunk = chunks.at(-1)!;
    assert.deepEqual(usageChunk.choices, []);
    assert.deepEqual(usageChunk.usage, whole.usage);
    const finish = chunks.at(-2)!;
    assert.deepEqual(finish.choices[0]!.delta, {});
    assert.equal(finish.choices[0]!.finish_reason, whole.choices[0]!.finish_reason);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null && c.choices[0]!.logprobs === null));
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    assert.equal(text, whole.choices[0]!.message.content, "same seed, same text, streamed or not");
  });

  it("the wire: data-only events, no usage key without include_usage, and a final data: [DONE]", async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "fast", messages: ask, max_tokens: 5, stream: true }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
    const raw = await res.text();
    assert.ok(raw.endsWith("data: [DONE]\n\n"));
    const events = raw.split("\n\n").filter((e) => e !== "" && !e.startsWith(":"));
    assert.ok(events.every((e) => e.startsWith("data: ") && !e.includes("\n")));
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    assert.ok(chunks.every((c) => !("usage" in c) && c.system_fingerprint === null && c.choices.length === 1));
    assert.deepEqual(Object.keys(chunks[0]), ["id", "object", "created", "model", "system_fingerprint", "choices"]);
    assert.deepEqual(Object.keys(chunks[0].choices[0]), ["index", "delta", "logprobs", "finish_reason"]);
  });

  it("stop, seed and max_tokens reach the model", async () => {
    const base = { model: "fast", messages: ask, max_tokens: 40, seed: 21, temperature: 0.7 };
    const free = (await openai.chat.completions.create(base)).choices[0]!.message.content!;
    const word = free.split(/\s+/).find((w, i) => i >= 3 && /^[a-z]{4,}$/.test(w));
    assert.ok(word, `no word to stop at in ${JSON.stringify(free)}`);
    const stopped = await openai.chat.completions.create({ ...base, stop: [word] });
    assert.equal(stopped.choices[0]!.message.content, free.slice(0, free.indexOf(word)));
    assert.equal(stopped.choices[0]!.finish_reason, "stop");
    const short = await openai.chat.completions.create({ ...base, max_completion_tokens: 3 });
    assert.equal(short.usage!.completion_tokens, 3);
    assert.equal(short.choices[0]!.finish_reason, "length");
  });

  it("aborting mid-stream with an AbortController stops the engine within one token", async () => {
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: "paced", messages: ask, max_tokens: 2000, temperature: 0, stream: true }, { signal: controller.signal });
    let n = 0;
    for await (const _ of stream) if (++n === 5) controller.abort();
    const after = await tokensAfterAbort(model);
    assert.ok(after <= 1, `${after} tokens after the abort reached the engine`);
    assert.equal(model.stats.activeSequences, 0);
  });

  it("errors in OpenAI's shape: unknown model 404, n=2 400, bad values 400, a failure mid-stream raises", async () => {
    await assert.rejects(openai.chat.completions.create({ model: "nope", messages: ask }), (e: unknown) =>
      e instanceof OpenAI.NotFoundError && e.status === 404 && e.code === "model_not_found" && e.type === "invalid_request_error" && e.param === "model");
    await assert.rejects(openai.chat.completions.create({ model: "nope", messages: ask, stream: true }), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(openai.chat.completions.create({ model: "fast", messages: ask, n: 2 }), (e: unknown) =>
      e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === "n");
    const raw = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "fast", messages: ask, temperature: 7 }) });
    assert.equal(raw.status, 400);
    assert.deepEqual(await raw.json(), { error: { message: "temperature must be a number between 0 and 2", type: "invalid_request_error", param: "temperature", code: null } });
    const unparsable = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: "{" });
    assert.equal(unparsable.status, 400);
    assert.equal(((await unparsable.json()) as { error: { type: string } }).error.type, "invalid_request_error");
    const unknown = await fetch(`${url}/v1/embeddings`, { method: "POST", body: "{}" });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, "unknown_url");
    const late = await openai.chat.completions.create(
      { model: "paced", messages: ask, max_tokens: 2000, temperature: 0, stream: true }, { headers: { "x-timeout-ms": "1000" } });
    let got = 0;
    await assert.rejects(async () => { for await (const _ of late) got++; }, (e: unknown) => e instanceof OpenAI.APIError && /deadline/i.test(e.message));
    assert.ok(got > 0, "the stream had started");
  });

  it("models: list and retrieve", async () => {
    const list = await openai.models.list();
    assert.deepEqual(list.data.map((m) => m.id).sort(), ["fast", "paced"]);
    assert.ok(list.data.every((m) => m.object === "model" && typeof m.created === "number" && m.owned_by === "weir"));
    assert.equal((await openai.models.retrieve("paced")).id, "paced");
    await assert.rejects(openai.models.retrieve("nope"), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });

  it("legacy completions: text_completion objects, streamed and not", async () => {
    const params = { model: "fast", prompt: "The kitchen", max_tokens: 20, seed: 5, temperature: 0.5 };
    const whole = await openai.completions.create(params);
    assert.match(whole.id, /^cmpl-/);
    assert.equal(whole.object, "text_completion");
    assert.ok(whole.choices[0]!.text.length > 0);
    const stream = await openai.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage;
    for await (const c of stream) {
      assert.equal(c.object, "text_completion");
      text += c.choices[0]?.text ?? "";
      if (c.usage) usage = c.usage;
    }
    assert.equal(text, whole.choices[0]!.text);
    assert.deepEqual(usage, whole.usage);
  });
});

describe("OpenAI facade: deadlines of its calls", { timeout: 30_000 }, () => {
  it("/v1/models: the JSON deadline (60 s); completions: the stream deadline (10 min), or the SDK's x-stainless-timeout", async () => {
    const model = await startModelServer();
    const left = new Map<string, number>();
    const seen: ClientTransport = { // the model server's transport, noting each call's time left
      protocol: model.transport.protocol, target: model.transport.target, close: async () => {},
      call: (c) => {
        left.set(c.method.name, (c.ctx.deadline ?? Infinity) - Date.now());
        return model.transport.call(c);
      },
    };
    const gateway = createGateway({ routes: openAiRoutes({ service: generationDescriptor(), transport: seen }) });
    const server = http.createServer(gateway.handle);
    try {
      const url = await listenHttp(server);
      assert.equal((await fetch(`${url}/v1/models`)).status, 200);
      const ms = left.get("ListModels")!;
      assert.ok(ms > 50_000 && ms <= 60_000, `ListModels: ${ms} ms left`);
      const body = JSON.stringify({ model: "fast", max_tokens: 2, messages: ask });
      const post = (headers: Record<string, string>) => fetch(`${url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
      assert.equal((await post({})).status, 200);
      const whole = left.get("Complete")!;
      assert.ok(whole > 590_000 && whole <= 600_000, `Complete: ${whole} ms left`);
      assert.equal((await post({ "x-stainless-timeout": "30" })).status, 200);
      const sdk = left.get("Complete")!;
      assert.ok(sdk > 25_000 && sdk <= 30_000, `Complete with x-stainless-timeout 30: ${sdk} ms left`);
    } finally {
      await gateway.close();
      await closeHttp(server);
      await model.close();
    }
  });
});
