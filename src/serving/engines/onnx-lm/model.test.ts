import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Code } from "../../../core/index.js";
import { createScheduledEngine } from "../../scheduler/index.js";
import { readCorpusDir, shippedCorpusDir } from "../builtin/corpus.js";
import type { EngineRequest, EngineStep } from "../engine.js";
import { rejectsWith } from "../../../../test/helpers/rpc.js";
import { until } from "../../../../test/helpers/wait.js";
import { createOnnxLmSteppedModel, type OnnxLmModel } from "./model.js";
import { shippedTinyGptDir } from "./shipped.js";

const dir = shippedTinyGptDir();
const reference = JSON.parse(readFileSync(path.join(dir, "reference.json"), "utf8")) as { greedy: { prompt: string; ids: number[] }[] };

async function collect(steps: AsyncIterable<EngineStep>): Promise<{ text: string; ids: number[]; last: EngineStep }> {
  let text = "";
  const ids: number[] = [];
  let last: EngineStep | undefined;
  for await (const s of steps) {
    text += s.text;
    if (s.tokenId >= 0) ids.push(s.tokenId);
    last = s;
  }
  return { text, ids, last: last! };
}

const PROMPTS = ["The river", "In the kitchen", "The network", "In the spring, the town", "Water", "The weir", "Bread", "A message"];

describe("ONNX Runtime causal LM (the shipped tiny GPT) under the continuous-batching scheduler", { timeout: 120_000 }, () => {
  let model: OnnxLmModel;
  before(async () => { model = await createOnnxLmSteppedModel(dir, { intraOpThreads: 1 }); });
  after(() => model.close());

  it("continues greedily with the tokens PyTorch computed for the same prompts", async () => {
    const engine = createScheduledEngine(model);
    for (const { prompt, ids } of reference.greedy) {
      const out = await collect(engine.generate({ prompt, temperature: 0, maxTokens: 24 }));
      assert.deepEqual(out.ids, ids.filter((t) => t !== model.endOfText), prompt);
    }
  });

  it("gives the same text to a sequence alone and in a batch of 64 with others joining and leaving (greedy, and sampled with a seed)", async () => {
    const reqs: EngineRequest[] = Array.from({ length: 96 }, (_, i) => ({
      prompt: PROMPTS[i % PROMPTS.length], maxTokens: 4 + ((i * 7) % 29), ...(i % 3 === 2 ? { temperature: 0.8, seed: i } : { temperature: 0 }),
    }));
    const alone = createScheduledEngine(model, { maxNumSeqs: 1 });
    const expected: string[] = [];
    for (const r of reqs) expected.push((await collect(alone.generate(r))).text);
    const shared = createScheduledEngine(model, { maxNumSeqs: 64 });
    const runs: Promise<string>[] = [];
    for (let i = 0; i < reqs.length; i++) {
      runs.push(collect(shared.generate(reqs[i]!)).then((r) => r.text));
      if (i === 63) await until(() => shared.scheduler.steps >= 6, "the first 64 to run a few steps", 30_000); // the rest join a running batch
    }
    assert.deepEqual(await Promise.all(runs), expected);
    const h = shared.scheduler.batchSize;
    assert.ok(h.count - h.counts[h.bounds.indexOf(32)]! > 0, "some steps ran more than 32 sequences");
    assert.equal(model.kvUsage().states, 0, "every sequence's KV cache is freed");
  });

  it("continues sentence starts from the corpus with corpus text: most word pairs it writes are the corpus's", async () => {
    const words = (t: string) => t.toLowerCase().replace(/[^a-z0-9']+/g, " ").trim().split(" ").filter((w) => w !== "");
    const corpus = words((await readCorpusDir(shippedCorpusDir())).join("\n"));
    const pairs = new Set(corpus.slice(1).map((w, i) => `${corpus[i]} ${w}`));
    const share = (ws: string[]) => ws.slice(1).filter((w, i) => pairs.has(`${ws[i]} ${w}`)).length / (ws.length - 1);
    assert.ok(share(words("the of river bread a packet spring when is are and the flour kitchen")) < 0.3, "word salad scores low");
    const engine = createScheduledEngine(model);
    for (const prompt of ["A river is never", "Bread is one of", "When you send a message", "Spring comes slowly", "In the kitchen"]) {
      const { text } = await collect(engine.generate({ prompt, temperature: 0, maxTokens: 20 }));
      const ws = words(`${prompt.split(" ").pop()!} ${text}`);
      assert.ok(ws.length >= 8 && share(ws) >= 0.75, `${JSON.stringify(prompt)} -> ${JSON.stringify(text)}: ${share(ws).toFixed(2)} of its word pairs are in the corpus`);
    }
  });

  it("refuses a prompt that fills the context (INVALID_ARGUMENT) and ends a generation with `length` where the context ends", async () => {
    const engine = createScheduledEngine(model);
    const context = model.info().contextLength;
    await rejectsWith(collect(engine.generate({ prompt: " river".repeat(context) })), Code.InvalidArgument, /context is 256 tokens/);
    const prompt = " river".repeat(context - 5);
    assert.equal(model.tokenize(prompt).length, context - 5);
    const out = await collect(engine.generate({ prompt, maxTokens: 100, temperature: 0 }));
    assert.equal(out.last.finishReason, "length");
    assert.equal(out.last.usage?.completionTokens, 5);
  });

  it("frees a cancelled sequence's KV cache at the next step, while the others go on", async () => {
    const engine = createScheduledEngine(model);
    const controller = new AbortController();
    const cancelled = engine.generate({ prompt: "The river", maxTokens: 200, temperature: 0.9, seed: 1 }, { signal: controller.signal });
    const other = collect(engine.generate({ prompt: "Water", maxTokens: 60, temperature: 0.9, seed: 2 }));
    const it = cancelled[Symbol.asyncIterator]();
    assert.ok((await it.next()).value.tokenId >= 0);
    assert.equal(model.kvUsage().states, 2);
    assert.ok(model.kvUsage().bytes > 0);
    controller.abort();
    let last: EngineStep | undefined;
    for (let r = await it.next(); !r.done; r = await it.next()) last = r.value;
    assert.equal(last?.finishReason, "cancelled");
    await until(() => model.kvUsage().states <= 1, "the cancelled sequence's cache to be freed");
    assert.equal((await other).last.usage?.completionTokens, 60);
    assert.equal(model.kvUsage().states, 0);
  });
});
