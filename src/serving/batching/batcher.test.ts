import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code } from "../../core/index.js";
import { tensor } from "../tensor.js";
import { batchModel } from "./batcher.js";
import { codeOf, ctxOf, gateConfig, gateModel, rowsOf } from "./batcher.fixtures.js";
import { createManualClock } from "./clock.js";

const T = { timeout: 10_000 };

describe("dynamic batcher: forming batches", T, () => {
  it("joins the requests queued while the model is busy into one batch and gives each its own rows", async () => {
    const clock = createManualClock();
    const inner = gateModel();
    const model = batchModel(inner, { clock });
    const first = model.infer(rowsOf(1, 0), ctxOf());
    (await inner.nextCall()).answer();
    assert.deepEqual((await first)[0]!.data, new Float32Array([0, 1]));
    const busy = model.infer(rowsOf(1, 100), ctxOf());
    const running = await inner.nextCall();
    const answers = [model.infer(rowsOf(2, 10), ctxOf()), model.infer(rowsOf(1, 20), ctxOf()), model.infer(rowsOf(3, 30), ctxOf())];
    await clock.settle();
    assert.equal(inner.calls.length, 2, "nothing more runs while the model is busy");
    running.answer();
    await busy;
    const batch = await inner.nextCall();
    assert.deepEqual(batch.inputs[0]!.shape, [6, 2]);
    assert.deepEqual(batch.inputs[0]!.data, new Float32Array([10, 11, 12, 13, 20, 21, 30, 31, 32, 33, 34, 35]));
    batch.answer();
    const [a, b, c] = await Promise.all(answers);
    assert.deepEqual(a![0]!.shape, [2, 2]);
    assert.deepEqual(a![0]!.data, new Float32Array([10, 11, 12, 13]));
    assert.deepEqual(b![0]!.data, new Float32Array([20, 21]));
    assert.deepEqual(c![0]!.shape, [3, 2]);
    assert.deepEqual(c![0]!.data, new Float32Array([30, 31, 32, 33, 34, 35]));
    assert.deepEqual(model.stats(), { queued: 0, queuedBytes: 0, running: 0, batches: 3, requests: 5, rows: 8 });
  });

  it("never joins requests whose shapes after dimension 0, datatypes or parameters differ", async () => {
    const clock = createManualClock();
    const inner = gateModel();
    const model = batchModel(inner, { clock });
    const busy = model.infer(rowsOf(1), ctxOf());
    const running = await inner.nextCall();
    const answers = [
      model.infer(rowsOf(1, 0, 2), ctxOf()),
      model.infer(rowsOf(1, 0, 3), ctxOf()), // width 3
      model.infer(rowsOf(1, 0, 3), ctxOf()),
      model.infer([tensor("INPUT0", "FP64", [1, 3], new Float64Array(3))], ctxOf()), // FP64
      model.infer(rowsOf(1, 0, 3), ctxOf({ mode: "a" })), // parameters
      model.infer(rowsOf(1, 0, 3), ctxOf({ mode: "a", priority: 0 })), // priority is the batcher's own
    ];
    running.answer();
    await busy;
    const shapes: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const call = await inner.nextCall();
      shapes.push([...call.inputs[0]!.shape, call.inputs[0]!.datatype === "FP64" ? 64 : 32]);
      call.answer();
      await clock.settle();
    }
    assert.deepEqual(shapes, [[1, 2, 32], [2, 3, 32], [1, 3, 64], [2, 3, 32]]);
    await Promise.all(answers);
  });

  it("keeps to maxBatchSize and refuses a request larger than it", async () => {
    const clock = createManualClock();
    const inner = gateModel(gateConfig({}, 4));
    const model = batchModel(inner, { clock });
    assert.equal(await codeOf(model.infer(rowsOf(5), ctxOf())), Code.InvalidArgument);
    const busy = model.infer(rowsOf(1), ctxOf());
    const running = await inner.nextCall();
    const answers = [3, 2, 2, 1].map((n) => model.infer(rowsOf(n), ctxOf()));
    running.answer();
    await busy;
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const call = await inner.nextCall();
      sizes.push(call.inputs[0]!.shape[0]!);
      call.answer();
    }
    assert.deepEqual(sizes, [3, 4, 1]); // 3 + 2 > 4 cuts the first batch; then 2 + 2 = 4 is full
    await Promise.all(answers);
  });

  it("waits maxQueueDelayMicroseconds for more requests, then runs what it has", async () => {
    const clock = createManualClock();
    const inner = gateModel(gateConfig({ maxQueueDelayMicroseconds: 1000 }));
    const model = batchModel(inner, { clock });
    const a = model.infer(rowsOf(1), ctxOf());
    await clock.advance(600);
    const b = model.infer(rowsOf(2), ctxOf());
    await clock.advance(399);
    assert.equal(inner.calls.length, 0, "the oldest request has waited 999 µs");
    await clock.advance(1);
    assert.equal(inner.calls.length, 1);
    assert.deepEqual(inner.calls[0]!.inputs[0]!.shape, [3, 2]);
    inner.calls[0]!.answer();
    await Promise.all([a, b]);
  });

  it("runs at once when a preferred size can be formed (the largest one) or the batch is full", async () => {
    const clock = createManualClock();
    const inner = gateModel(gateConfig({ preferredBatchSize: [2, 4], maxQueueDelayMicroseconds: 1_000_000 }, 6));
    const model = batchModel(inner, { clock });
    const busy = model.infer(rowsOf(6), ctxOf()); // full: runs at once
    const running = await inner.nextCall();
    const answers = [1, 2, 1, 1].map((n) => model.infer(rowsOf(n), ctxOf()));
    running.answer();
    await busy;
    const preferred = await inner.nextCall();
    assert.equal(preferred.inputs[0]!.shape[0], 4, "1+2+1 = 4 is the largest preferred size reached");
    preferred.answer();
    await clock.settle();
    assert.equal(inner.calls.length, 2, "the last request (1 row) waits for its delay");
    await clock.advance(1_000_000);
    const rest = await inner.nextCall();
    assert.equal(rest.inputs[0]!.shape[0], 1);
    rest.answer();
    await Promise.all(answers);
  });

  it("with a delay of 0 runs each request as soon as the model is free", async () => {
    const clock = createManualClock();
    const inner = gateModel();
    const model = batchModel(inner, { clock });
    const a = model.infer(rowsOf(1), ctxOf());
    await clock.settle();
    assert.equal(inner.calls.length, 1);
    inner.calls[0]!.answer();
    await a;
    assert.equal(clock.pendingTimers(), 0, "no timer left behind");
  });

  it("runs one batch at a time per instance", async () => {
    const clock = createManualClock();
    const inner = gateModel();
    const model = batchModel(inner, { clock, instances: 2 });
    const answers = [model.infer(rowsOf(1), ctxOf()), model.infer(rowsOf(1, 0, 3), ctxOf()), model.infer(rowsOf(1, 0, 4), ctxOf())];
    await clock.settle();
    assert.equal(inner.calls.length, 2, "two instances: two batches at once, the third waits");
    assert.equal(model.stats().running, 2);
    inner.calls[1]!.answer();
    await clock.settle();
    assert.equal(inner.calls.length, 3);
    inner.calls[0]!.answer();
    inner.calls[2]!.answer();
    await Promise.all(answers);
  });

  it("asks the model for the outputs every member asked for, or for all of them and keeps each member's own", async () => {
    const clock = createManualClock();
    const two = { ...gateConfig(), outputs: [{ name: "OUTPUT0", datatype: "FP32" as const, shape: [-1] }, { name: "OUTPUT1", datatype: "FP32" as const, shape: [-1] }] };
    const inner = gateModel(two);
    const model = batchModel(inner, { clock });
    const busy = model.infer(rowsOf(1), ctxOf());
    const running = await inner.nextCall();
    const a = model.infer(rowsOf(1), ctxOf({}, ["OUTPUT1"]));
    const b = model.infer(rowsOf(1), ctxOf({}, ["OUTPUT0"]));
    running.answer();
    await busy;
    const call = await inner.nextCall();
    assert.equal(call.ctx.outputs, undefined);
    const x = call.inputs[0]!;
    call.answer([{ ...x, name: "OUTPUT0" }, { ...x, name: "OUTPUT1" }]);
    assert.deepEqual((await a).map((t) => t.name), ["OUTPUT1"]);
    assert.deepEqual((await b).map((t) => t.name), ["OUTPUT0"]);
  });

  it("refuses a model without maxBatchSize or dynamicBatching, and bad options, saying what to pass", () => {
    const noBatching = { ...gateConfig(), dynamicBatching: undefined };
    assert.throws(() => batchModel(gateModel(noBatching)), /has no dynamicBatching/);
    assert.throws(() => batchModel(gateModel(gateConfig({ preferredBatchSize: [9] }))), /preferredBatchSize must hold integers in 1\.\.maxBatchSize \(8\), got 9/);
    assert.throws(() => batchModel(gateModel(gateConfig({ priorityLevels: 2, defaultPriorityLevel: 3 }))), /defaultPriorityLevel must be in 1\.\.priorityLevels \(2\)/);
    assert.throws(() => batchModel(gateModel(gateConfig({ priorityLevels: 2, priorityQueuePolicy: { 3: {} } }))), /priorityQueuePolicy has level 3/);
    assert.throws(() => batchModel(gateModel(gateConfig({ defaultQueuePolicy: { timeoutAction: "DROP" as "REJECT" } }))), /timeoutAction must be "REJECT" or "DELAY"/);
    assert.throws(() => batchModel(gateModel(gateConfig({ maxQueueDelayMicroseconds: 40_000_000 }))), /must be below the batcher's maxQueueTimeMicroseconds/);
    assert.throws(() => batchModel(gateModel(gateConfig({ priorityLevels: 257 }))), /priorityLevels must be an integer in 0\.\.256, got 257/);
    assert.throws(() => batchModel(gateModel(), { instances: 0 }), /instances must be an integer in 1\.\.64/);
    assert.throws(() => batchModel(gateModel(), { defaultMaxQueueSize: -1 }), /or Infinity for no bound/);
  });
});
