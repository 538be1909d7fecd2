// Hostile HTTP input against `weir serve` (a child process): every case is a 4xx with a short JSON
// error, never a 500, a silent default or a 200 whose stream fails.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { startServeProcess, type ServeProcess } from "./serve-process.js";

const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;

describe("weir serve: hostile HTTP input", { timeout: 60_000 }, () => {
  let serve: ServeProcess;
  before(async () => {
    serve = await startServeProcess();
  });
  after(async () => {
    await serve?.stop();
  });

  const errorOf = async (r: Response) => {
    const text = await r.text();
    assert.ok(text.length < 500, `a short error, got ${text.length} chars`);
    return { status: r.status, message: (JSON.parse(text) as { error: { message: string } }).error.message };
  };

  it("GET /api/generate with an unknown parameter (max_token=2) is 400 naming it, not a default of 256 tokens", async () => {
    const e = await errorOf(await fetch(`${serve.httpUrl}/api/generate?prompt=Hi&max_token=2`));
    assert.equal(e.status, 400);
    assert.match(e.message, /unknown query parameter "max_token"/);
  });

  it("a JSON body nested 400,000 deep is 400 on the native and OpenAI routes", async () => {
    for (const [path, body] of [
      ["/api/generate", `{"prompt": "Hi", "stop": ${deep(400_000)}}`],
      ["/v1/chat/completions", `{"model": "weir-ngram", "messages": ${deep(400_000)}}`],
    ] as const) {
      const r = await fetch(`${serve.httpUrl}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });
      assert.equal((await errorOf(r)).status, 400, path);
    }
  });

  it("the openai client's max_tokens of 4294967299 is a BadRequestError on max_tokens (it was wrapped to 3)", async () => {
    const openai = new OpenAI({ baseURL: `${serve.httpUrl}/v1`, apiKey: "unused", maxRetries: 0, timeout: 10_000 });
    const e = await openai.chat.completions.create({ model: "weir-ngram", messages: [{ role: "user", content: "Hi" }], max_tokens: 4294967299 })
      .then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof OpenAI.BadRequestError, String(e));
    assert.equal(e.param, "max_tokens");
  });

  it("request headers over Node's 16 KiB are refused with 431 before any route runs", async () => {
    const r = await fetch(`${serve.httpUrl}/api/generate?prompt=Hi`, { headers: { "x-padding": "p".repeat(20 * 1024) } });
    assert.equal(r.status, 431);
    await r.arrayBuffer();
  });
});
