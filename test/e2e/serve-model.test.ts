// `weir serve --model tiny-gpt`: the shipped transformer on ONNX Runtime behind the OpenAI API
// (the official `openai` client) and the gRPC Generation service's HTTP routes, in a child process.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { createOnnxLmSteppedModel, createScheduledEngine, shippedTinyGptDir } from "../../src/serving/index.js";
import { startServeProcess, type ServeProcess } from "./serve-process.js";

describe("weir serve --model tiny-gpt", { timeout: 90_000 }, () => {
  let serve: ServeProcess;
  let openai: OpenAI;
  before(async () => {
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--model=tiny-gpt"] });
    openai = new OpenAI({ baseURL: `${serve.httpUrl}/v1`, apiKey: "not-checked", maxRetries: 0, timeout: 30_000 });
  });
  after(async () => {
    await serve?.stop();
  });

  it("lists the model", async () => {
    const ids: string[] = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ["tiny-gpt"]);
  });

  it("streams the greedy completion the engine gives in process", async () => {
    const model = await createOnnxLmSteppedModel(shippedTinyGptDir(), { intraOpThreads: 1 });
    let expected = "";
    try {
      for await (const s of createScheduledEngine(model).generate({ prompt: "The river", maxTokens: 16, temperature: 0 })) expected += s.text;
    } finally {
      await model.close();
    }
    const stream = await openai.completions.create({ model: "tiny-gpt", prompt: "The river", max_tokens: 16, temperature: 0, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    assert.equal(text, expected);
    assert.ok(text.length > 0);
  });

  it("answers a chat completion", async () => {
    const r = await openai.chat.completions.create({ model: "tiny-gpt", messages: [{ role: "user", content: "Tell me about the river." }], max_tokens: 10, seed: 3 });
    assert.equal(r.choices[0]!.message.role, "assistant");
    assert.ok(r.usage!.completion_tokens >= 1 && r.usage!.completion_tokens <= 10);
  });

  it("refuses a prompt longer than the context with 400", async () => {
    await assert.rejects(openai.completions.create({ model: "tiny-gpt", prompt: " river".repeat(300), max_tokens: 4 }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 400 && /context/.test(e.message));
  });
});
