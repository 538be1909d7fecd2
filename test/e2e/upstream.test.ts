// `weir serve --upstream` pointed at another `weir serve`: the official openai client streams
// through both, the text is what the upstream gives for the same seed, usage is passed through,
// and an abort reaches the upstream's engine within one token (read from the upstream's /metrics).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { until } from "../attack/harness.js";
import { startServeProcess, type ServeProcess } from "./serve-process.js";

/** A sample of the upstream's /metrics. */
async function metric(server: ServeProcess, name: string): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  if (m === null) throw new Error(`no ${name} in /metrics`);
  return Number(m[1]);
}

describe("weir serve --upstream: another weir serve as the OpenAI-compatible upstream", { timeout: 120_000 }, () => {
  let upstream: ServeProcess;
  let proxy: ServeProcess;
  let direct: OpenAI;
  let through: OpenAI;

  before(async () => {
    // 10 tokens/s: a token every 100 ms, so "within one token" has room for the hops between
    upstream = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=10"] });
    proxy = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", `--upstream=${upstream.httpUrl}/v1`] });
    direct = new OpenAI({ baseURL: `${upstream.httpUrl}/v1`, apiKey: "unused", maxRetries: 0, timeout: 60_000 });
    through = new OpenAI({ baseURL: `${proxy.httpUrl}/v1`, apiKey: "unused", maxRetries: 0, timeout: 60_000 });
  });

  after(async () => {
    await proxy?.stop();
    await upstream?.stop();
  });

  it("serves the upstream's model under its name", async () => {
    const ids = (await through.models.list()).data.map((m) => m.id);
    assert.deepEqual(ids, (await direct.models.list()).data.map((m) => m.id));
  });

  it("streams a chat: same text as the upstream for the same seed, usage passed through", async () => {
    const ask = async (client: OpenAI) => {
      const stream = await client.chat.completions.create({
        model: "weir-ngram", messages: [{ role: "user", content: "What is a weir?" }], max_tokens: 12, seed: 7, temperature: 0.8,
        stream: true, stream_options: { include_usage: true },
      });
      let text = "", finish: string | null | undefined, usage: OpenAI.CompletionUsage | null | undefined, chunks = 0;
      for await (const c of stream) {
        chunks++;
        text += c.choices[0]?.delta.content ?? "";
        finish = c.choices[0]?.finish_reason ?? finish;
        usage = c.usage ?? usage;
      }
      return { text, finish, usage, chunks };
    };
    const startedBefore = await metric(upstream, "weir_engine_sequences_started_total");
    const [a, b] = [await ask(direct), await ask(through)];
    assert.equal(await metric(upstream, "weir_engine_sequences_started_total"), startedBefore + 2, "both generations ran on the upstream");
    assert.equal(await metric(proxy, "weir_engine_generated_tokens_total"), b.usage!.completion_tokens, "the proxy counts the tokens it relayed");
    assert.ok(a.text.length > 0);
    assert.equal(b.text, a.text);
    assert.equal(b.finish, a.finish);
    assert.deepEqual(b.usage, a.usage);
    assert.ok(b.chunks >= 3, `${b.chunks} chunks: streamed, not one answer`);
  });

  it("a plain completion goes to /v1/completions of the upstream", async () => {
    const a = await direct.completions.create({ model: "weir-ngram", prompt: "The river", max_tokens: 8, seed: 3 });
    const b = await through.completions.create({ model: "weir-ngram", prompt: "The river", max_tokens: 8, seed: 3 });
    assert.equal(b.choices[0]!.text, a.choices[0]!.text);
    assert.deepEqual(b.usage, a.usage);
  });

  it("an abort reaches the upstream's engine within one token", async () => {
    const controller = new AbortController();
    const stream = await through.chat.completions.create(
      { model: "weir-ngram", messages: [{ role: "user", content: "Tell me about rivers." }], max_tokens: 2000, stream: true },
      { signal: controller.signal },
    );
    let received = 0;
    try {
      for await (const c of stream) {
        if ((c.choices[0]?.delta.content ?? "") !== "") received++;
        if (received === 3) break; // ends the stream: the client aborts its request
      }
    } finally {
      controller.abort();
    }
    const atAbort = await metric(upstream, "weir_engine_generated_tokens_total");
    await until(async () => (await metric(upstream, "weir_engine_active_sequences")) === 0, "the upstream's generation to end", 10_000, 20);
    const after = await metric(upstream, "weir_engine_generated_tokens_total");
    assert.ok(after - atAbort <= 1, `the upstream made ${after - atAbort} tokens after the abort`);
  });
});

describe("weir serve --upstream: the upstream's refusals reach the caller as statuses", { timeout: 60_000 }, () => {
  it("429 with Retry-After is 429 with Retry-After before any stream starts; the OpenAI client sees a RateLimitError", async () => {
    const { createServer } = await import("node:http");
    const refusing = createServer((req, res) => {
      req.resume();
      res.writeHead(429, { "content-type": "application/json", "retry-after": "3" });
      res.end(JSON.stringify({ error: { message: "queue full", type: "rate_limit_error" } }));
    });
    await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
    const port = (refusing.address() as { port: number }).port;
    const proxy = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", `--upstream=http://127.0.0.1:${port}/v1`, "--upstream-model=busy"] });
    try {
      const client = new OpenAI({ baseURL: `${proxy.httpUrl}/v1`, apiKey: "unused", maxRetries: 0 });
      const e = await client.chat.completions.create({ model: "busy", messages: [{ role: "user", content: "hi" }], stream: true }).then(
        () => assert.fail("expected a refusal"), (x: unknown) => x);
      assert.ok(e instanceof OpenAI.RateLimitError, String(e));
      assert.equal(e.status, 429);
      assert.equal(e.headers?.get("retry-after"), "3");
      assert.match(e.message, /queue full/);
    } finally {
      await proxy.stop();
      refusing.closeAllConnections();
      refusing.close();
    }
  });
});
