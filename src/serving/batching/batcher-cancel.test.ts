import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { tensor } from "../tensor.js";
import { batchModel } from "./batcher.js";
import { codeOf, ctxOf, errorOf, gateConfig, gateModel, rowsOf } from "./batcher.fixtures.js";
import { createManualClock } from "./clock.js";

const T = { timeout: 10_000 };

describe("dynamic batcher: cancellation, errors and close", T, () => {
  it("a request whose signal aborts while queued leaves at once with the signal's reason; the batch runs without it", async () => {
    const clock = createManualClock();
    const inner = gateModel(gateConfig({ maxQueueDelayMicroseconds: 1000 }));
    const model = batchModel(inner, { clock });
    const stay = model.infer(rowsOf(1, 1), ctxOf());
    const leaving = ctxOf();
    const gone = errorOf(model.infer(rowsOf(1, 2), leaving));
    const deadline = ctxOf();
    const late = errorOf(model.infer(rowsOf(1, 3), deadline));
    leaving.controller.abort();
    deadline.controller.abort(new RpcError(Code.DeadlineExceeded, "deadline of 5ms exceeded"));
    assert.equal((await gone).code, Code.Canceled);
    assert.equal((await late).code, Code.DeadlineExceeded);
    assert.equal(model.stats().queued, 1);
    await clock.advance(1000);
    const call = await inner.nextCall();
    assert.deepEqual(call.inputs[0]!.data, new Float32Array([1, 2]), "only the request that stayed runs");
    call.answer();
    await stay;
    assert.equal(await codeOf(model.infer(rowsOf(1), { ...leaving, parameters: {} })), Code.Canceled, "an aborted signal is refused at the door");
  });

  it("a running batch goes on when some members leave (their results are dropped) and is aborted when all leave", async () => {
    const clock = createManualClock();
    const inner = gateModel();
    const model = batchModel(inner, { clock });
    const busy = model.infer(rowsOf(1, 0, 1), ctxOf());
    const running = await inner.nextCall();
    const a = ctxOf(), b = ctxOf(), c = ctxOf(), d = ctxOf();
    const answers = [a, b].map((x, i) => errorOf(model.infer(rowsOf(1, 10 * i), x)));
    const kept = model.infer(rowsOf(1, 20), c);
    running.answer();
    await busy;
    const batch = await inner.nextCall();
    a.controller.abort();
    b.controller.abort();
    assert.equal((await answers[0]!).code, Code.Canceled);
    assert.equal((await answers[1]!).code, Code.Canceled, "a member that left is answered at once");
    assert.equal(batch.ctx.signal.aborted, false, "one member still waits");
    batch.answer();
    assert.deepEqual((await kept)[0]!.data, new Float32Array([20, 21]));

    const alone = errorOf(model.infer(rowsOf(1, 0, 3), d));
    const call = await inner.nextCall();
    d.controller.abort();
    await alone;
    assert.equal(call.ctx.signal.aborted, true, "every member left: the model is told");
    call.fail(call.ctx.signal.reason);
    await clock.settle();
    assert.equal(model.stats().running, 0);
  });

  it("a model's error reaches every member; outputs with the wrong rows are INTERNAL; the batcher goes on", async () => {
    const clock = createManualClock();
    const inner = gateModel();
    const model = batchModel(inner, { clock });
    const busy = model.infer(rowsOf(1, 0, 1), ctxOf());
    const running = await inner.nextCall();
    const pair = [errorOf(model.infer(rowsOf(1), ctxOf())), errorOf(model.infer(rowsOf(1), ctxOf()))];
    running.answer();
    await busy;
    (await inner.nextCall()).fail(new RpcError(Code.InvalidArgument, "bad values"));
    for (const e of await Promise.all(pair)) assert.equal(e.rawMessage, "bad values");

    const blocker = model.infer(rowsOf(1, 0, 1), ctxOf());
    const held = await inner.nextCall();
    const wrong = [errorOf(model.infer(rowsOf(1), ctxOf())), errorOf(model.infer(rowsOf(2), ctxOf()))];
    held.answer();
    await blocker;
    (await inner.nextCall()).answer([tensor("OUTPUT0", "FP32", [2, 2], new Float32Array(4))]);
    for (const e of await Promise.all(wrong)) assert.match(e.message, /^\[INTERNAL\] model gate returned output OUTPUT0 of shape \[2,2\] with 4 elements for a batch of 3/);

    const ok = model.infer(rowsOf(1), ctxOf());
    (await inner.nextCall()).answer();
    await ok;
  });

  it("refuses inputs without a common batch dimension, or with data that does not fill the shape", async () => {
    const model = batchModel(gateModel(), { clock: createManualClock() });
    const two = [...rowsOf(2), ...rowsOf(3, 0, 2, "INPUT1")];
    assert.match((await errorOf(model.infer(two, ctxOf()))).message, /every input needs the same batch dimension first/);
    const short = [{ name: "INPUT0", datatype: "FP32" as const, shape: [2, 2], data: new Float32Array(3) }];
    assert.match((await errorOf(model.infer(short, ctxOf()))).message, /has 3 elements, its shape \[2,2\] needs 4/);
    assert.equal(await codeOf(model.infer([], ctxOf())), Code.InvalidArgument);
  });

  it("close() drains: new requests get UNAVAILABLE, queued ones run at once, then the model is closed", async () => {
    const clock = createManualClock();
    const inner = gateModel(gateConfig({ maxQueueDelayMicroseconds: 1_000_000 }));
    const model = batchModel(inner, { clock });
    const queued = model.infer(rowsOf(1), ctxOf());
    const closed = model.close();
    assert.equal(await codeOf(model.infer(rowsOf(1), ctxOf())), Code.Unavailable);
    (await inner.nextCall()).answer(); // ran without waiting out its delay
    await queued;
    await closed;
    assert.equal(inner.closed, true);
    assert.equal(clock.pendingTimers(), 0);
  });

  it("close() gives up after drainTimeoutMs: the rest get UNAVAILABLE and the running batch is aborted", async () => {
    const clock = createManualClock();
    const inner = gateModel();
    const model = batchModel(inner, { clock, drainTimeoutMs: 50 });
    const running = errorOf(model.infer(rowsOf(1, 0, 1), ctxOf()));
    const call = await inner.nextCall();
    const queued = errorOf(model.infer(rowsOf(1), ctxOf()));
    const closed = model.close();
    await clock.advance(49_999);
    assert.equal(model.stats().queued, 1);
    await clock.advance(1);
    await closed;
    assert.equal((await running).code, Code.Unavailable);
    assert.equal((await queued).code, Code.Unavailable);
    assert.equal(call.ctx.signal.aborted, true);
    assert.equal(inner.closed, true);
    call.answer(); // a late answer changes nothing
    await clock.settle();
  });
});
