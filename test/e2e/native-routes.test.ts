// `weir serve` as a child process: the native SSE route (GET and POST), the WebSocket route, and
// that closing the connection mid-generation (native SSE, OpenAI, WebSocket) stops the engine
// within one token (proved by the engine's counter on /metrics).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectWebSocket, readSse, sseClient, type SseMessage } from "../../src/http/index.js";
import { assertStoppedWithinOneToken, sample, untilIdle } from "./engine-metrics.js";
import { startServeProcess, type ServeProcess } from "./serve-process.js";
import { within } from "../helpers/wait.js";

/** Paced so that a token takes 50 ms: a cancel reaches the engine well within one token. */
const PACE = 20;

async function collect(url: string, init?: { method: string; body: string }): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  const headers = init ? { "content-type": "application/json" } : undefined;
  for await (const m of sseClient(url, { reconnect: false, ...init, headers })) {
    out.push(m);
    if (m.event === "done" || m.event === "error") break;
  }
  return out;
}

const textOf = (ms: SseMessage[]) => ms.filter((m) => m.event === "message").map((m) => JSON.parse(m.data).text as string).join("");

describe("weir serve: native routes", { timeout: 60_000 }, () => {
  let serve: ServeProcess;
  before(async () => {
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", `--tokens-per-second=${PACE * 10}`] });
  });
  after(async () => {
    await serve?.stop();
  });

  it("streams GET /api/generate as SSE: a chunk per event with its index as id, then done; same seed, same text", async () => {
    const url = `${serve.httpUrl}/api/generate?prompt=The%20river&max_tokens=12&temperature=0.9&seed=7`;
    const a = await collect(url);
    assert.equal(a.at(-1)!.event, "done");
    assert.equal(a.at(-1)!.data, "[DONE]");
    const chunks = a.filter((m) => m.event === "message").map((m) => ({ id: m.id, ...JSON.parse(m.data) }));
    chunks.forEach((c, i) => assert.equal(c.id, String(i)));
    const last = chunks.at(-1)!;
    assert.ok(["length", "stop"].includes(last.finish_reason));
    assert.equal(last.usage.completion_tokens, chunks.reduce((n, c) => n + c.token_ids.length, 0));
    assert.ok(last.usage.completion_tokens <= 12);
    assert.equal(textOf(await collect(url)), textOf(a));
  });

  it("resumes a ?resumable=1 stream with Last-Event-ID: the rest of the same generation, exactly once", async () => {
    const url = `${serve.httpUrl}/api/generate?prompt=The%20river&max_tokens=40&temperature=0.9&seed=5`;
    const whole = textOf(await collect(url));
    const controller = new AbortController();
    const res = await fetch(`${url}&resumable=1`, { signal: controller.signal });
    const head: SseMessage[] = [];
    for await (const m of readSse(res.body!)) {
      head.push(m);
      if (head.length === 5) break;
    }
    controller.abort(); // the connection drops; the stream is retained on the gateway
    const rest: SseMessage[] = [];
    for await (const m of sseClient(url, { lastEventId: head.at(-1)!.id, reconnect: false })) {
      rest.push(m);
      if (m.event === "done") break;
    }
    assert.equal(rest.at(-1)!.event, "done");
    assert.equal(textOf([...head, ...rest]), whole);
    const ids = [...head, ...rest].filter((m) => m.event === "message").map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, "an event came twice");
  });

  it("takes POST /api/generate with a JSON body (messages, stop)", async () => {
    const body = JSON.stringify({ messages: [{ role: "user", content: "How is the weather?" }], max_tokens: 8, seed: 3 });
    const ms = await collect(`${serve.httpUrl}/api/generate`, { method: "POST", body });
    assert.equal(ms.at(-1)!.event, "done");
    assert.ok(ms.length >= 2);
  });

  it("answers bad input before the stream with an HTTP status and a JSON error", async () => {
    for (const [query, status] of [["prompt=x&temperature=9", 400], ["prompt=x&max_tokens=ten", 400], ["prompt=x&model=nope", 404]] as const) {
      const res = await fetch(`${serve.httpUrl}/api/generate?${query}`);
      assert.equal(res.status, status, query);
      const body = (await res.json()) as { error: { code: number; message: string } };
      assert.ok(body.error.message.length > 0);
    }
    const res = await fetch(`${serve.httpUrl}/api/generate`, { method: "POST", body: "{nope", headers: { "content-type": "application/json" } });
    assert.equal(res.status, 400);
    await res.body?.cancel();
  });

  it("serves the chat page, /healthz and /metrics; unknown routes are 404 JSON", async () => {
    const page = await fetch(`${serve.httpUrl}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type")!, /text\/html/);
    assert.match(page.headers.get("content-security-policy")!, /default-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="\/chat.js">/);
    const js = await fetch(`${serve.httpUrl}/chat.js`);
    assert.match(js.headers.get("content-type")!, /javascript/);
    assert.match(await js.text(), /new EventSource/);
    const health = await fetch(`${serve.httpUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok", models: ["weir-ngram"] });
    const s = await sample(serve.httpUrl);
    assert.ok(s.rss > 0);
    const missing = await fetch(`${serve.httpUrl}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { status: string } }).error.status, "NOT_FOUND");
  });
});

describe("weir serve: closing the connection mid-generation stops the engine", { timeout: 60_000 }, () => {
  let serve: ServeProcess;
  before(async () => {
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", `--tokens-per-second=${PACE}`] });
  });
  after(async () => {
    await serve?.stop();
  });

  it("native SSE: aborting the fetch after 5 events", async () => {
    const before = await untilIdle(serve.httpUrl);
    const controller = new AbortController();
    const res = await fetch(`${serve.httpUrl}/api/generate?prompt=The%20town&max_tokens=2000&temperature=0`, { signal: controller.signal });
    let events = 0;
    for await (const m of readSse(res.body!)) {
      if (m.event === "message" && ++events === 5) break;
    }
    controller.abort();
    const atClose = await sample(serve.httpUrl);
    const idle = await assertStoppedWithinOneToken(serve.httpUrl, atClose, "SSE");
    assert.ok(idle.tokens - before.tokens < 100, "the generation ran on");
  });

  it("OpenAI route: dropping the connection of a streamed chat completion after 5 chunks", async () => {
    const before = await untilIdle(serve.httpUrl);
    const controller = new AbortController();
    const res = await fetch(`${serve.httpUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "weir-ngram", stream: true, max_tokens: 2000, temperature: 0, messages: [{ role: "user", content: "The river" }] }),
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    let events = 0;
    for await (const m of readSse(res.body!)) {
      if (m.data !== "[DONE]" && ++events === 5) break;
    }
    controller.abort();
    const atClose = await sample(serve.httpUrl);
    const idle = await assertStoppedWithinOneToken(serve.httpUrl, atClose, "OpenAI route");
    assert.ok(idle.tokens - before.tokens < 100, "the generation ran on");
  });

  for (const how of ["close", "terminate"] as const) {
    it(`WebSocket: ${how === "close" ? "a close handshake" : "dropping the TCP connection"} after 5 chunks`, async () => {
      const before = await untilIdle(serve.httpUrl);
      const ch = await connectWebSocket(`${serve.httpUrl.replace(/^http/, "ws")}/api/generate/ws`);
      await ch.send(JSON.stringify({ prompt: "The kitchen", max_tokens: 2000, temperature: 0 }));
      let chunks = 0;
      for await (const m of ch) {
        const chunk = JSON.parse(String(m)) as { text: string; index: number };
        assert.equal(chunk.index, chunks);
        if (++chunks === 5) {
          if (how === "terminate") ch.socket.terminate();
          break; // leaving the loop closes the socket
        }
      }
      const atClose = await sample(serve.httpUrl);
      const idle = await assertStoppedWithinOneToken(serve.httpUrl, atClose, `WebSocket ${how}`);
      assert.ok(idle.tokens - before.tokens < 100, "the generation ran on");
    });
  }

  it("WebSocket: a generation to its end closes with 1000; a bad request gets an error message and 1011", async () => {
    const ws = `${serve.httpUrl.replace(/^http/, "ws")}/api/generate/ws`;
    const good = await connectWebSocket(ws);
    await good.send(JSON.stringify({ prompt: "The river", max_tokens: 3, seed: 1, temperature: 0.5 }));
    const chunks: { finish_reason: string }[] = [];
    for await (const m of good) chunks.push(JSON.parse(String(m)));
    assert.ok(["length", "stop"].includes(chunks.at(-1)!.finish_reason));
    const bad = await connectWebSocket(ws);
    const closed = within(new Promise<number>((resolve) => bad.socket.once("close", resolve)), "the WebSocket's close");
    await bad.send(JSON.stringify({ prompt: "x", temperature: 9 }));
    const messages: string[] = [];
    await assert.rejects((async () => { for await (const m of bad) messages.push(String(m)); })(), /1011/);
    assert.equal((JSON.parse(messages[0]!) as { error: { status: string } }).error.status, "INVALID_ARGUMENT");
    assert.equal(await closed, 1011);
  });
});
