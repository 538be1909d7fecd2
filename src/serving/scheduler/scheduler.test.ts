import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { createBuiltinEngine, createBuiltinSteppedModel, type NgramState } from "../engines/builtin/index.js";
import type { Engine, EngineRequest, EngineStep } from "../engines/engine.js";
import { createScheduledEngine, type ScheduledEngine } from "./engine.js";
import type { SteppedModel } from "../engines/stepped.js";
import type { SchedulerOptions } from "./options.js";
import type { SchedulerClock } from "./scheduler.js";

async function text(engine: Engine, req: EngineRequest, signal?: AbortSignal): Promise<{ text: string; steps: EngineStep[] }> {
  const steps: EngineStep[] = [];
  for await (const s of engine.generate(req, { signal })) steps.push(s);
  return { text: steps.map((s) => s.text).join(""), steps };
}

/** A clock whose waits end only when the test says: one step per `step()`. */
class StepClock implements SchedulerClock {
  t = 0;
  pending: (() => void)[] = [];
  now = (): number => this.t;
  sleepUntil = (t: number): Promise<void> => new Promise((resolve) => this.pending.push(() => { this.t = Math.max(this.t, t); resolve(); }));
  /** Let the scheduler run its next step; resolves once it is waiting again. */
  async step(engine: ScheduledEngine): Promise<void> {
    const before = engine.scheduler.steps;
    const waiters = this.pending.splice(0);
    waiters.forEach((w) => w());
    const deadline = Date.now() + 5000;
    while (engine.scheduler.steps === before || this.pending.length === 0) {
      if (Date.now() > deadline) throw new Error("the scheduler did not run a step");
      await new Promise((r) => setImmediate(r));
    }
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe("continuous batching over the built-in model", { timeout: 60_000 }, () => {
  let model: SteppedModel<NgramState>;
  const engine = (o: SchedulerOptions & { clock?: SchedulerClock } = {}) => createScheduledEngine(model, o);
  before(async () => { model = await createBuiltinSteppedModel(); });

  it("same seed, same text: alone, among 63 others joining and leaving, and on the per-generation engine", async () => {
    const reqs: EngineRequest[] = Array.from({ length: 64 }, (_, i) => ({ prompt: ["The river", "A weir is", "", "Water"][i % 4], maxTokens: 5 + ((i * 7) % 40), seed: i, temperature: 0.9 }));
    const alone: string[] = [];
    const single = engine({ maxNumSeqs: 1 });
    for (const r of reqs) alone.push((await text(single, r)).text);
    const reference = await createBuiltinEngine();
    for (let i = 0; i < 8; i++) assert.equal((await text(reference, reqs[i]!)).text, alone[i], `request ${i} on the per-generation engine`);
    const shared = engine({ maxNumSeqs: 64 });
    const runs: Promise<string>[] = [];
    for (let i = 0; i < reqs.length; i++) {
      runs.push(text(shared, reqs[i]!).then((r) => r.text));
      if (i % 8 === 7) await new Promise((r) => setImmediate(r)); // later ones join a batch already running
    }
    assert.deepEqual(await Promise.all(runs), alone);
    const total = alone.reduce((n, t) => n + model.countTokens(t), 0);
    assert.ok(shared.scheduler.steps < total / 4, `${shared.scheduler.steps} steps for ~${total} tokens: steps are shared`);
    assert.ok(shared.scheduler.batchSize.sum / shared.scheduler.batchSize.count > 4, "several sequences per step on average");
    await until(() => shared.scheduler.running === 0, "the batch to empty");
  });

  it("chunked prefill: a long prompt joins without stalling a running sequence", async () => {
    const e = engine({ maxNumSeqs: 4, maxBatchedTokens: 16 });
    const runner = e.generate({ prompt: "The river", maxTokens: 300, seed: 1 })[Symbol.asyncIterator]();
    await runner.next();
    let runnerTokens = 0;
    let longFirst = -1;
    const long = (async () => {
      for await (const s of e.generate({ prompt: "water flows over the weir ".repeat(80), maxTokens: 3, seed: 2 })) {
        if (longFirst < 0 && s.tokenId >= 0) longFirst = runnerTokens;
      }
    })();
    for (let r = await runner.next(); !r.done; r = await runner.next()) if (r.value.tokenId >= 0) runnerTokens++;
    await long;
    const promptTokens = model.countTokens("water flows over the weir ".repeat(80));
    // 15 prompt tokens a step beside the runner's one: the runner gets a token in every prefill step
    assert.ok(longFirst >= Math.floor(promptTokens / 15) - 2, `the runner had ${longFirst} tokens when the ${promptTokens}-token prompt produced its first`);
  });

  it("a full waiting queue is RESOURCE_EXHAUSTED with a retry hint, before anything runs", async () => {
    const clock = new StepClock();
    const e = engine({ maxNumSeqs: 1, maxWaiting: 1, stepsPerSecond: 10, clock });
    const a = e.generate({ prompt: "The river", maxTokens: 100, seed: 1 })[Symbol.asyncIterator]();
    await a.next(); // a runs (its first step needs no wait), then the loop waits for the clock
    const b = e.generate({ prompt: "x", maxTokens: 5 })[Symbol.asyncIterator]();
    const bFirst = b.next();
    await until(() => e.scheduler.waiting === 1, "b to wait");
    const c = e.generate({ prompt: "y", maxTokens: 5 })[Symbol.asyncIterator]();
    await assert.rejects(c.next(), (err: unknown) => err instanceof RpcError && err.code === Code.ResourceExhausted && err.metadata.getString("retry-after") === "1");
    assert.equal(e.scheduler.rejected, 1);
    await a.return!();
    await clock.step(e);
    await clock.step(e);
    assert.equal((await bFirst).done, false, "b runs once a left");
    await b.return!();
  });

  it("a cancelled sequence leaves within one step: its last step is cancelled, no token after the abort", async () => {
    const clock = new StepClock();
    const e = engine({ stepsPerSecond: 10, clock });
    const abort = new AbortController();
    const steps: EngineStep[] = [];
    const reading = (async () => { for await (const s of e.generate({ prompt: "The river", maxTokens: 1000, seed: 3 }, { signal: abort.signal })) steps.push(s); })();
    const stopOther = new AbortController();
    const other = (async () => { for await (const s of e.generate({ prompt: "A weir", maxTokens: 1000, seed: 4 }, { signal: stopOther.signal })) void s; })();
    await until(() => e.scheduler.running + e.scheduler.waiting === 2 && clock.pending.length > 0, "both sequences to be in");
    await clock.step(e);
    for (let i = 0; i < 3; i++) await clock.step(e);
    const tokensAtAbort = e.stats.generatedTokens;
    const stepsAtAbort = e.scheduler.steps;
    abort.abort();
    await clock.step(e);
    await reading;
    assert.equal(steps.at(-1)!.finishReason, "cancelled");
    assert.equal(e.scheduler.steps, stepsAtAbort + 1);
    assert.equal(e.stats.generatedTokens - tokensAtAbort, 1, "only the other sequence's token in the step after the abort");
    assert.equal(e.scheduler.running, 1);
    stopOther.abort();
    clock.pending.splice(0).forEach((w) => w()); // no step follows: the loop ends once nothing runs
    await other;
  });

  it("a slow reader is preempted instead of stalling the batch or buffering without bound, and resumes with the same text", async () => {
    for (const maxPreemptedWithState of [256, 0]) { // 0: its state is dropped and recomputed on return
      const e = engine({ maxBufferedSteps: 4, maxPreemptedWithState });
      const req = { prompt: "The river", maxTokens: 60, seed: 9, temperature: 0.8 };
      const expected = (await text(engine({}), req)).text;
      const slow = e.generate(req)[Symbol.asyncIterator]();
      const first = await slow.next();
      const fast = await text(e, { prompt: "A weir", maxTokens: 80, seed: 5 });
      assert.equal(fast.steps.at(-1)!.finishReason, "length", "the batch went on without the slow reader");
      assert.ok(e.scheduler.preemptions >= 1);
      assert.equal(e.scheduler.preempted, 1);
      if (maxPreemptedWithState === 0) assert.ok(e.scheduler.recomputes >= 1);
      let rest = first.value!.text;
      for (let r = await slow.next(); !r.done; r = await slow.next()) rest += r.value.text;
      assert.equal(rest, expected);
      assert.equal(e.scheduler.preempted, 0);
    }
  });

  it("bad requests and options are INVALID_ARGUMENT before anything queues; a failing step fails its sequences, not the scheduler", async () => {
    assert.throws(() => engine({ maxNumSeqs: 0 }), /maxNumSeqs must be an integer from 1/);
    assert.throws(() => engine({ maxNumSeqs: 8, maxBatchedTokens: 4 }), /must be at least maxNumSeqs/);
    const e = engine();
    assert.throws(() => e.generate({ prompt: "x", maxTokens: 0 }), (err: unknown) => err instanceof RpcError && err.code === Code.InvalidArgument);
    let fail = true;
    const flaky: SteppedModel<NgramState> = { ...model, step: (rows) => { if (fail) throw new Error("boom"); return model.step(rows); } };
    const f = createScheduledEngine(flaky);
    await assert.rejects(text(f, { prompt: "x", maxTokens: 5 }), (err: unknown) => err instanceof RpcError && err.code === Code.Internal && /boom/.test(err.message));
    fail = false;
    assert.equal((await text(f, { prompt: "x", maxTokens: 5 })).steps.at(-1)!.finishReason, "length");
  });
});
