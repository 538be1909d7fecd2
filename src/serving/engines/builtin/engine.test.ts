import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { before, describe, it } from "node:test";
import { Code, RpcError } from "../../../core/index.js";
import type { Engine, EngineRequest, EngineStep } from "../engine.js";
import { EngineStats } from "../stats.js";
import { createBuiltinEngine, renderChat } from "./engine.js";
import { cl100kTokenizer } from "./tokenizer.js";

async function run(engine: Engine, req: EngineRequest, signal?: AbortSignal): Promise<{ text: string; steps: EngineStep[] }> {
  const steps: EngineStep[] = [];
  for await (const s of engine.generate(req, { signal })) steps.push(s);
  return { text: steps.map((s) => s.text).join(""), steps };
}

const last = (steps: readonly EngineStep[]) => steps[steps.length - 1]!;
const tokenCount = (steps: readonly EngineStep[]) => steps.filter((s) => s.tokenId >= 0).length;
/** Greedy from this prompt falls into a loop the model never leaves, so it always reaches max tokens. */
const LOOPING = { prompt: "The river", temperature: 0 } as const;

describe("built-in engine", { timeout: 30_000 }, () => {
  let engine: Engine;
  before(async () => { engine = await createBuiltinEngine(); });

  it("round-trips text through the cl100k BPE tokenizer", () => {
    for (const text of ["Hello, world!", "  spaces\tand\nlines\r\n", "ünïcødé 🙂 漢字", "<|endoftext|> stays text", ""]) {
      const ids = engine.tokenize(text);
      assert.equal(engine.detokenize(ids), text);
      assert.equal(engine.countTokens(text), ids.length);
    }
    assert.deepEqual(engine.tokenize("Hello world"), [9906, 1917]); // cl100k_base ids
    assert.ok(!engine.tokenize("<|endoftext|>").includes(cl100kTokenizer.endOfText));
  });

  it("gives the same text for the same seed, and other text for other seeds", async () => {
    const req = { prompt: "The water", maxTokens: 60, seed: 1234, temperature: 0.9 };
    const a = await run(engine, req);
    const b = await run(engine, req);
    assert.equal(a.text, b.text);
    assert.deepEqual(a.steps.map((s) => s.tokenId), b.steps.map((s) => s.tokenId));
    const others = new Set<string>();
    for (let seed = 1; seed <= 5; seed++) others.add((await run(engine, { ...req, seed })).text);
    assert.ok(others.size >= 3, "different seeds should mostly give different text");
    const big = { ...req, seed: 2n ** 63n + 5n };
    assert.equal((await run(engine, big)).text, (await run(engine, big)).text);
  });

  it("is deterministic at temperature 0 without a seed", async () => {
    const a = await run(engine, { prompt: "Bread is", maxTokens: 40, temperature: 0 });
    const b = await run(engine, { prompt: "Bread is", maxTokens: 40, temperature: 0 });
    assert.equal(a.text, b.text);
    assert.ok(a.text.length > 0);
  });

  it("ends with finish reason length after max tokens, with usage", async () => {
    const { steps, text } = await run(engine, { ...LOOPING, maxTokens: 25 });
    assert.equal(last(steps).finishReason, "length");
    assert.equal(tokenCount(steps), 25);
    assert.deepEqual(last(steps).usage, { promptTokens: engine.countTokens("The river"), completionTokens: 25 });
    assert.equal(engine.detokenize(steps.filter((s) => s.tokenId >= 0).map((s) => s.tokenId)), text);
    assert.equal(steps.filter((s) => s.finishReason).length, 1);
  });

  it("stops at a stop sequence without emitting it", async () => {
    const req = { prompt: "The river", maxTokens: 80, seed: 99 };
    const full = (await run(engine, req)).text;
    const stop = full.slice(Math.floor(full.length / 2), Math.floor(full.length / 2) + 4);
    const cut = full.indexOf(stop);
    const { text, steps } = await run(engine, { ...req, stop: ["never-in-the-corpus", stop] });
    assert.equal(text, full.slice(0, cut));
    assert.ok(!text.includes(stop));
    assert.equal(last(steps).finishReason, "stop");
  });

  it("ends with finish reason stop at the end-of-text token", async () => {
    let stopped = 0;
    for (let seed = 0; seed < 20; seed++) {
      const { steps } = await run(engine, { prompt: "", maxTokens: 400, seed });
      if (last(steps).finishReason === "stop") stopped++;
    }
    assert.ok(stopped > 0, "no generation ever reached the end of a text");
  });

  it("with ignoreEndOfText, runs past the end-of-text token to max tokens", async () => {
    const endless = await createBuiltinEngine({ ignoreEndOfText: true });
    for (let seed = 0; seed < 20; seed++) {
      const { steps } = await run(endless, { prompt: "", maxTokens: 400, seed });
      assert.equal(last(steps).finishReason, "length", `seed ${seed}`);
      assert.equal(tokenCount(steps), 400);
    }
  });

  it("renders chats in the corpus's dialogue shape and stops before a new user turn", async () => {
    assert.equal(renderChat([{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }]), "System: Be brief.\nUser: Hi\nAssistant:");
    const { text, steps } = await run(engine, { messages: [{ role: "user", content: "What is a weir?" }], maxTokens: 200, seed: 5 });
    assert.ok(!text.includes("\nUser:"));
    assert.ok(["stop", "length"].includes(last(steps).finishReason!));
  });

  it("rejects bad requests with INVALID_ARGUMENT before any step", () => {
    const bad: EngineRequest[] = [
      { prompt: "x", temperature: 2.5 }, { prompt: "x", topP: 0 }, { prompt: "x", maxTokens: 0 },
      { prompt: "x", maxTokens: 1e9 }, { prompt: "x", stop: ["a", "b", "c", "d", "e"] }, { prompt: "x", stop: [""] },
      { prompt: "x", seed: 1.5 }, { prompt: "x", stop: ["s".repeat(257)] },
      { messages: Array.from({ length: 1025 }, () => ({ role: "user", content: "hi" })) },
    ];
    for (const req of bad) {
      assert.throws(() => engine.generate(req), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument, JSON.stringify(req));
    }
  });

  it("refuses a 1 MiB single-word prompt on its length, within 100 ms of CPU, before tokenizing", () => {
    const word = "a".repeat(1 << 20);
    const start = process.cpuUsage();
    assert.throws(() => engine.generate({ prompt: word }), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && /characters exceeds 65536/.test(e.message));
    assert.throws(() => engine.generate({ messages: [{ role: "user", content: word }] }), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument);
    const used = process.cpuUsage(start);
    assert.ok((used.user + used.system) / 1000 < 100, `${(used.user + used.system) / 1000} ms of CPU`);
  });

  it("refuses a prompt over the context length in tokens before its first step, having tokenized only that much", async () => {
    const small = await createBuiltinEngine({ contextLength: 100 });
    assert.equal(small.info().contextLength, 100);
    const prompt = "The river runs past the old mill. ".repeat(20); // about 160 tokens, 680 characters (< 800)
    const steps: EngineStep[] = [];
    await assert.rejects(async () => { for await (const s of small.generate({ prompt })) steps.push(s); },
      (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && /longer than the context length of 100 tokens/.test(e.message));
    assert.equal(steps.length, 0);
    assert.equal(small.stats.activeSequences, 0);
    const half = "The river runs past the old mill. ".repeat(10);
    const fits = await run(small, { prompt: half, maxTokens: 3 });
    assert.equal(fits.steps.at(-1)!.usage!.promptTokens, small.countTokens(half));
  });

  it("ends cancelled when aborted while it tokenizes a long prompt", async () => {
    const controller = new AbortController();
    const steps = run(engine, { prompt: "words and more words ".repeat(3000), maxTokens: 5 }, controller.signal);
    controller.abort();
    const { steps: got } = await steps;
    assert.equal(got.length, 1);
    assert.equal(got[0]!.finishReason, "cancelled");
  });
});

describe("built-in engine: abort, pace and counters", { timeout: 30_000 }, () => {
  it("stops within one token of an abort and counts what it produced", async () => {
    const stats = new EngineStats();
    const engine = await createBuiltinEngine({ stats });
    const controller = new AbortController();
    let afterAbort = 0;
    let steps = 0;
    let finish: string | undefined;
    setTimeout(() => controller.abort(), 5);
    for await (const s of engine.generate({ ...LOOPING, maxTokens: 4096 }, { signal: controller.signal })) {
      steps++;
      if (controller.signal.aborted && s.tokenId >= 0) afterAbort++;
      finish = s.finishReason;
    }
    assert.equal(finish, "cancelled");
    assert.ok(afterAbort <= 1, `${afterAbort} tokens after the abort`);
    assert.ok(steps < 4096);
    assert.equal(stats.generatedTokens, steps - 1);
    assert.equal(stats.activeSequences, 0);
  });

  it("stops within one token when aborted while paced, and between tokens from inside the loop", async () => {
    const engine = await createBuiltinEngine({ tokensPerSecond: 200 });
    const controller = new AbortController();
    let tokens = 0;
    let afterAbort = 0;
    for await (const s of engine.generate({ ...LOOPING, maxTokens: 1000 }, { signal: controller.signal })) {
      if (s.tokenId >= 0) tokens++;
      if (controller.signal.aborted && s.tokenId >= 0) afterAbort++;
      if (tokens === 5) controller.abort();
    }
    assert.equal(tokens, 5);
    assert.equal(afterAbort, 0);
  });

  it("keeps to tokens per second, and counts active sequences while running", async () => {
    const stats = new EngineStats();
    const engine = await createBuiltinEngine({ tokensPerSecond: 100, stats });
    const n = 21;
    const started = performance.now();
    let active = 0;
    for await (const s of engine.generate({ ...LOOPING, maxTokens: n })) active = Math.max(active, s.finishReason ? 0 : stats.activeSequences);
    const elapsed = performance.now() - started;
    // 21 tokens at 100/s: the first at once, the last due 200 ms later.
    assert.ok(elapsed >= 195, `too fast: ${elapsed} ms`); // how much slower depends on the machine's load
    assert.equal(active, 1);
    assert.equal(stats.activeSequences, 0);
    assert.equal(stats.generatedTokens, n);
  });

  it("runs many paced generations side by side on one timer schedule each", async () => {
    const engine = await createBuiltinEngine({ tokensPerSecond: 50 });
    const started = performance.now();
    const runs = Array.from({ length: 50 }, (_, i) => run(engine, { ...LOOPING, maxTokens: 11, seed: i }));
    const results = await Promise.all(runs);
    const elapsed = performance.now() - started;
    for (const r of results) assert.equal(tokenCount(r.steps), 11);
    // side by side: ~200 ms; one after another would be 50 × 200 ms = 10 s, so 5 s tells them apart
    // with 25 times the expected time to spare for a loaded machine
    assert.ok(elapsed >= 195 && elapsed < 5000, `50 streams of 11 tokens at 50/s took ${elapsed} ms`);
  });

  it("builds from a corpus it is given", async () => {
    const engine = await createBuiltinEngine({ corpus: ["one two three. one two four.\n* * *\nfive six."], id: "tiny" });
    assert.equal(engine.info().id, "tiny");
    const { text } = await run(engine, { prompt: "one two", maxTokens: 20, seed: 3 });
    assert.ok(text.length > 0);
    await assert.rejects(createBuiltinEngine({ corpus: [" \n* * *\n "] }), (e: unknown) => e instanceof RpcError && e.code === Code.FailedPrecondition);
  });
});
