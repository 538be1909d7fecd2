// The official `openai` npm client against `weir serve` (a child process): chat completions
// streamed and not, legacy completions, models, errors, and an abort mid-stream that stops the
// engine within one token (engine counter from /metrics).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { assertStoppedWithinOneToken, sample, untilIdle } from "./engine-metrics.js";
import { startServeProcess, type ServeProcess } from "./serve-process.js";

const MODEL = "weir-ngram";

describe("the openai client against weir serve", { timeout: 60_000 }, () => {
  let serve: ServeProcess;
  let openai: OpenAI;
  before(async () => {
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=20"] });
    openai = new OpenAI({ baseURL: `${serve.httpUrl}/v1`, apiKey: "not-checked", maxRetries: 0, timeout: 20_000 });
  });
  after(async () => {
    await serve?.stop();
  });

  it("lists the model", async () => {
    const ids: string[] = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    assert.deepEqual(ids, [MODEL]);
  });

  it("answers a chat completion, and streams the same text for the same seed", async () => {
    const request = { model: MODEL, messages: [{ role: "user" as const, content: "What does the river do in spring?" }], max_tokens: 12, seed: 11, temperature: 0.7 };
    const whole = await openai.chat.completions.create(request);
    assert.equal(whole.object, "chat.completion");
    assert.equal(whole.model, MODEL);
    const choice = whole.choices[0]!;
    assert.equal(choice.message.role, "assistant");
    assert.equal(typeof choice.message.content, "string");
    assert.ok(["stop", "length"].includes(choice.finish_reason));
    assert.ok(whole.usage!.completion_tokens <= 12);
    assert.equal(whole.usage!.total_tokens, whole.usage!.prompt_tokens + whole.usage!.completion_tokens);

    const stream = await openai.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      assert.equal(chunk.object, "chat.completion.chunk");
      if (chunk.usage) usage = chunk.usage;
      const c = chunk.choices[0];
      if (!c) continue;
      text += c.delta.content ?? "";
      finish = c.finish_reason ?? finish;
    }
    assert.equal(text, choice.message.content);
    assert.equal(finish, choice.finish_reason);
    assert.deepEqual(usage, whole.usage);
  });

  it("answers a legacy completion", async () => {
    const r = await openai.completions.create({ model: MODEL, prompt: "The kitchen", max_tokens: 8, seed: 2 });
    assert.equal(r.object, "text_completion");
    assert.equal(typeof r.choices[0]!.text, "string");
  });

  it("turns bad input into the SDK's typed errors", async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }], temperature: 7 }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.status === 400,
    );
    await assert.rejects(
      openai.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }),
      (e: unknown) => e instanceof OpenAI.NotFoundError,
    );
  });

  it("aborting a stream mid-way (AbortController) stops the engine within one token", async () => {
    const before = await untilIdle(serve.httpUrl);
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: MODEL, messages: [{ role: "user", content: "Tell me about the town." }], max_tokens: 2000, temperature: 0, stream: true },
      { signal: controller.signal },
    );
    let chunks = 0;
    let finish: string | null = null;
    // The SDK ends the iteration quietly when its signal aborts.
    for await (const chunk of stream) {
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.choices[0]?.delta.content && ++chunks === 5) controller.abort();
    }
    assert.equal(chunks, 5);
    assert.equal(finish, null);
    const atAbort = await sample(serve.httpUrl);
    const idle = await assertStoppedWithinOneToken(serve.httpUrl, atAbort, "OpenAI stream abort");
    assert.ok(idle.tokens - before.tokens < 100, "the generation ran on");
  });
});
