import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { isBatched } from "../batching/index.js";
import { ctxOf, errorOf, gateConfig, gateModel, rowsOf } from "../batching/batcher.fixtures.js";
import { jsonModel } from "./json-model.js";
import type { Model, ModelConfig } from "../model.js";
import { createModelRepository } from "./repository.js";

const T = { timeout: 10_000 };
const spec = (name: string, version?: string): ModelConfig => ({
  name, ...(version === undefined ? {} : { version }),
  inputs: [{ name: "x", datatype: "FP32", shape: [-1] }], outputs: [{ name: "y", datatype: "FP32", shape: [-1] }],
});
const scale = (name: string, factor: number, version?: string): Model => jsonModel(spec(name, version), { kind: "scale", factor });

async function run(m: Model, x: number): Promise<number> {
  const out = await m.infer(rowsOf(1, x, 1, "x"), ctxOf());
  return (out[0]!.data as Float32Array)[0]!;
}

describe("model repository", T, () => {
  it("serves models given in code by name and version (the highest by default) and lists them", async () => {
    const repo = createModelRepository({ models: [scale("double", 2), scale("triple", 3, "1"), scale("triple", 30, "10")] });
    assert.equal(await run(repo.get("double"), 4), 8);
    assert.equal(await run(repo.get("triple"), 1), 30);
    assert.equal(await run(repo.get("triple", "1"), 1), 3);
    assert.deepEqual(repo.index().map((e) => `${e.name}/${e.version}/${e.state}`), ["double/1/READY", "triple/1/READY", "triple/10/READY"]);
    assert.equal(repo.allReady(), true);
    assert.throws(() => repo.get("nope"), (e: RpcError) => e.code === Code.NotFound);
    assert.throws(() => repo.get("triple", "2"), (e: RpcError) => e.code === Code.NotFound);
    await assert.rejects(repo.load("nope"), (e: RpcError) => e.code === Code.NotFound);
    assert.equal(repo.index().length, 3, "a name that was not found is not listed");
  });

  it("serves a model whose config has dynamicBatching through the batcher; unload drains its queue; load serves it again", async () => {
    const inner = gateModel(gateConfig({ maxQueueDelayMicroseconds: 10_000_000 }));
    const repo = createModelRepository({ models: [inner], batching: { drainTimeoutMs: 50 } });
    const served = repo.get("gate");
    assert.ok(isBatched(served));
    const queued = served.infer(rowsOf(1), ctxOf());
    const unloaded = repo.unload("gate");
    const call = await inner.nextCall(); // the queued request runs at once, without its delay
    assert.equal(repo.isReady("gate"), false);
    assert.deepEqual(repo.index()[0], { name: "gate", version: "1", state: "UNLOADING", reason: "" });
    call.answer();
    await queued;
    await unloaded;
    assert.deepEqual(repo.index()[0], { name: "gate", version: "1", state: "UNAVAILABLE", reason: "unloaded" });
    assert.throws(() => repo.get("gate"), (e: RpcError) => e.code === Code.Unavailable && /not ready \(unavailable: unloaded\)/.test(e.message));
    assert.equal(inner.closed, false, "a model given in code stays open: it may load again");
    await repo.load("gate");
    const again = repo.get("gate");
    assert.notEqual(again, served);
    const answer = errorOf(Promise.resolve(again.infer(rowsOf(1), ctxOf())));
    await repo.close();
    assert.equal((await answer).code, Code.Unavailable, "close drains for drainTimeoutMs (50 ms here), then refuses");
    assert.equal(inner.closed, true);
  });

  it("a source that fails leaves the model UNAVAILABLE with the reason; the others keep serving", async () => {
    let factor = 0;
    const repo = createModelRepository({
      models: [scale("double", 2)],
      sources: {
        flaky: async () => (factor > 0 ? scale("flaky", factor) : Promise.reject(new RpcError(Code.InvalidArgument, "config.json of model flaky: maxBatchSize must be an integer"))),
        misnamed: async () => scale("other", 1),
      },
    });
    assert.deepEqual(repo.index().find((e) => e.name === "flaky"), { name: "flaky", version: "", state: "UNAVAILABLE", reason: "not loaded" });
    await assert.rejects(repo.load("flaky"), /maxBatchSize must be an integer/);
    assert.deepEqual(repo.index().find((e) => e.name === "flaky"), { name: "flaky", version: "", state: "UNAVAILABLE", reason: "config.json of model flaky: maxBatchSize must be an integer" });
    await assert.rejects(repo.load("misnamed"), /the source of misnamed made a model named other/);
    assert.equal(await run(repo.get("double"), 1), 2);
    assert.equal(repo.allReady(), false);
    factor = 5;
    await repo.load("flaky");
    assert.equal(await run(repo.get("flaky"), 1), 5);
    factor = 0;
    await assert.rejects(repo.load("flaky"));
    assert.equal(await run(repo.get("flaky"), 1), 5, "a failed reload keeps the loaded model serving");
    factor = 7;
    await repo.load("flaky");
    assert.equal(await run(repo.get("flaky"), 1), 7, "a reload serves the new model");
  });

  it("a load that takes longer than loadTimeoutMs fails with DEADLINE_EXCEEDED; the model it makes late is closed", async () => {
    let closed = false;
    let finish!: () => void;
    const late: Model = { ...scale("slow", 1), close: async () => void (closed = true) };
    const repo = createModelRepository({ loadTimeoutMs: 20, sources: { slow: () => new Promise((resolve) => (finish = () => resolve(late))) } });
    const e = await errorOf(repo.load("slow"));
    assert.equal(e.code, Code.DeadlineExceeded);
    assert.match(repo.index()[0]!.reason, /took longer than 20 ms/);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed, true);
    assert.throws(() => createModelRepository({ loadTimeoutMs: 0 }), /loadTimeoutMs must be a number of milliseconds > 0/);
  });

  it("runs the loads and unloads of one model one after the other, in the order asked", async () => {
    const log: string[] = [];
    let n = 0;
    const repo = createModelRepository({ sources: { m: async () => { const k = ++n; log.push(`load ${k}`); return { ...scale("m", k), close: async () => void log.push(`close ${k}`) }; } } });
    await Promise.all([repo.load("m"), repo.unload("m"), repo.load("m"), repo.load("m")]);
    assert.deepEqual(log, ["load 1", "close 1", "load 2", "load 3", "close 2"]);
    assert.equal(await run(repo.get("m"), 1), 3);
  });
});
