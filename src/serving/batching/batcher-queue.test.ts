import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { batchModel } from "./batcher.js";
import { codeOf, ctxOf, errorOf, gateConfig, gateModel, rowsOf, type GateModel } from "./batcher.fixtures.js";
import { createManualClock } from "./clock.js";
import type { DynamicBatchingConfig } from "../model.js";

const T = { timeout: 10_000 };

/** A batcher whose model is busy with a first request; `release()` lets it go on, one batch at a time. */
async function busyBatcher(db: DynamicBatchingConfig, options: Parameters<typeof batchModel>[1] = {}, maxBatchSize = 8) {
  const clock = createManualClock();
  const inner = gateModel(gateConfig(db, maxBatchSize));
  const model = batchModel(inner, { clock, ...options });
  const busy = model.infer(rowsOf(1, -1, 1), ctxOf());
  await inner.nextCall();
  return { clock, inner, model, busy };
}

/** Answer calls one at a time; return the first value of each batch's rows, in order. */
async function drainOrder(inner: GateModel, batches: number): Promise<number[][]> {
  const order: number[][] = [];
  for (let i = 0; i < batches; i++) {
    const call = inner.calls.at(-1)!;
    order.push([...(call.inputs[0]!.data as Float32Array)]);
    call.answer();
    if (i < batches - 1) await inner.nextCall();
  }
  return order;
}

describe("dynamic batcher: priorities and queue policies", T, () => {
  it("takes every level-1 request before level 2 (FIFO within a level); a missing, 0 or unknown priority gets the default level", async () => {
    const { inner, model, busy } = await busyBatcher({ priorityLevels: 2, defaultPriorityLevel: 2 }, {}, 1);
    const answers = [
      model.infer(rowsOf(1, 1, 1), ctxOf()),
      model.infer(rowsOf(1, 2, 1), ctxOf({ priority: 1 })),
      model.infer(rowsOf(1, 3, 1), ctxOf({ priority: 9 })),
      model.infer(rowsOf(1, 4, 1), ctxOf({ priority: 1n })),
      model.infer(rowsOf(1, 5, 1), ctxOf({ priority: 0 })),
    ];
    assert.equal(await codeOf(model.infer(rowsOf(1), ctxOf({ priority: "high" }))), Code.InvalidArgument);
    assert.deepEqual(await drainOrder(inner, 6), [[-1], [2], [4], [1], [3], [5]]);
    await Promise.all([busy, ...answers]);
  });

  it("REJECT: a request past its queue timeout gets UNAVAILABLE at that time, even while a batch runs", async () => {
    const { clock, inner, model, busy } = await busyBatcher({ defaultQueuePolicy: { defaultTimeoutMicroseconds: 500 } });
    const late = errorOf(model.infer(rowsOf(1), ctxOf()));
    await clock.advance(499);
    const fresh = model.infer(rowsOf(1), ctxOf());
    await clock.advance(1);
    const e = await late;
    assert.equal(e.code, Code.Unavailable);
    assert.equal(e.rawMessage, "Request timeout expired");
    assert.equal(model.stats().queued, 1);
    inner.calls[0]!.answer();
    (await inner.nextCall()).answer();
    await Promise.all([busy, fresh]);
  });

  it("DELAY: a request past its timeout waits behind its level's others, still ahead of lower levels", async () => {
    const policy = { timeoutAction: "DELAY" as const, defaultTimeoutMicroseconds: 100 };
    const { clock, inner, model, busy } = await busyBatcher({ priorityLevels: 2, defaultPriorityLevel: 1, defaultQueuePolicy: policy }, {}, 1);
    const answers = [model.infer(rowsOf(1, 1, 1), ctxOf({ priority: 2 })), model.infer(rowsOf(1, 2, 1), ctxOf())];
    await clock.advance(100); // both time out
    answers.push(model.infer(rowsOf(1, 3, 1), ctxOf()), model.infer(rowsOf(1, 4, 1), ctxOf({ priority: 2 })));
    assert.deepEqual(await drainOrder(inner, 5), [[-1], [3], [2], [4], [1]]);
    await Promise.all([busy, ...answers]);
  });

  it("allowTimeoutOverride: a request's own timeout counts when shorter, never when longer; ignored when not allowed", async () => {
    const { clock, inner, model, busy } = await busyBatcher({ priorityLevels: 2, defaultPriorityLevel: 1, defaultQueuePolicy: { defaultTimeoutMicroseconds: 1000, allowTimeoutOverride: true }, priorityQueuePolicy: { 2: { defaultTimeoutMicroseconds: 1000 } } });
    const short = codeOf(model.infer(rowsOf(1), ctxOf({ timeout: 200 })));
    const long = codeOf(model.infer(rowsOf(1), ctxOf({ timeout: 5000 })));
    const notAllowed = codeOf(model.infer(rowsOf(1), ctxOf({ timeout: 200, priority: 2 })));
    await clock.advance(200);
    assert.equal(await short, Code.Unavailable);
    assert.equal(model.stats().queued, 2);
    await clock.advance(800);
    assert.equal(await long, Code.Unavailable);
    assert.equal(await notAllowed, Code.Unavailable);
    inner.calls[0]!.answer();
    await busy;
  });

  it("a full queue answers RESOURCE_EXHAUSTED at once with a retry hint; the default bound is 1024 requests", async () => {
    const { inner, model, busy } = await busyBatcher({ defaultQueuePolicy: { maxQueueSize: 2 } });
    const queued = [model.infer(rowsOf(1), ctxOf()), model.infer(rowsOf(1), ctxOf())];
    await assert.rejects(model.infer(rowsOf(1), ctxOf()), (e: RpcError) => e.code === Code.ResourceExhausted && /Exceeds maximum queue size/.test(e.message) && e.metadata.getString("retry-after") === "1");
    inner.calls[0]!.answer();
    (await inner.nextCall()).answer();
    await Promise.all([busy, ...queued]);

    const big = await busyBatcher({});
    const many = Array.from({ length: 1024 }, () => big.model.infer(rowsOf(1), ctxOf()));
    assert.equal(await codeOf(big.model.infer(rowsOf(1), ctxOf())), Code.ResourceExhausted);
    const unbounded = await busyBatcher({}, { defaultMaxQueueSize: Infinity });
    const more = Array.from({ length: 1100 }, () => unbounded.model.infer(rowsOf(1), ctxOf()));
    assert.equal(unbounded.model.stats().queued, 1100);
    for (const [b, batches] of [[big, 1024 / 8], [unbounded, Math.ceil(1100 / 8)]] as const) {
      b.inner.calls[0]!.answer();
      for (let i = 0; i < batches; i++) (await b.inner.nextCall()).answer();
    }
    await Promise.all([...many, ...more]);
  });

  it("bounds the bytes of queued inputs (maxQueueBytes): RESOURCE_EXHAUSTED past them", async () => {
    const { inner, model, busy } = await busyBatcher({}, { maxQueueBytes: 100 });
    const fits = model.infer(rowsOf(4, 0, 6), ctxOf()); // 96 bytes
    assert.equal(model.stats().queuedBytes, 96);
    await assert.rejects(model.infer(rowsOf(1, 0, 2), ctxOf()), (e: RpcError) => e.code === Code.ResourceExhausted && /would pass 100 bytes/.test(e.message));
    inner.calls[0]!.answer();
    (await inner.nextCall()).answer();
    await Promise.all([busy, fits]);
  });

  it("no request waits longer than maxQueueTimeMicroseconds, even under DELAY with no timeout", async () => {
    const { clock, inner, model, busy } = await busyBatcher({ defaultQueuePolicy: { timeoutAction: "DELAY" } }, { maxQueueTimeMicroseconds: 10_000 });
    const waiting = errorOf(model.infer(rowsOf(1), ctxOf()));
    await clock.advance(9_999);
    assert.equal(model.stats().queued, 1);
    await clock.advance(1);
    const e = await waiting;
    assert.equal(e.code, Code.Unavailable);
    assert.match(e.message, /longer than 10000 µs/);
    inner.calls[0]!.answer();
    await busy;
  });
});
