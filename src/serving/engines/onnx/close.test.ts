// close() unloads: later calls are UNAVAILABLE, a run in flight finishes first, and the session's
// memory goes back (the MLP holds ~34 MB of weights once loaded: a session not freed would show).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertClose, inferContext, modelPath, readReference } from "../../../../test/models/models.js";
import { Code, type RpcError } from "../../../core/index.js";
import { loadOnnxModel } from "./model.js";

const rssMiB = () => process.memoryUsage.rss() / 2 ** 20;

describe("closing an ONNX model", { timeout: 120_000 }, () => {
  it("a run in flight finishes with its outputs; calls after close are UNAVAILABLE; closing again is a no-op", async () => {
    const ref = readReference("mlp");
    const model = await loadOnnxModel(modelPath("mlp"));
    const running = model.infer(ref.inputs, inferContext());
    const closing = model.close!();
    assertClose((await running)[0]!, ref.outputs[0]!);
    await closing;
    await assert.rejects(async () => model.infer(ref.inputs, inferContext()), (e: RpcError) => e.code === Code.Unavailable && e.rawMessage === "model mlp is unloaded");
    await model.close!();
  });

  it("frees the session: loading and closing the MLP again and again does not grow the process", async () => {
    const ref = readReference("mlp");
    const cycle = async () => {
      const model = await loadOnnxModel(modelPath("mlp"));
      await model.infer(ref.inputs, inferContext()); // the weights are in memory now
      await model.close!();
    };
    await cycle(); // ONNX Runtime's library and first allocations
    const base = rssMiB();
    const cycles = 6; // a session kept would add ~50 MiB each: ~300 MiB
    for (let i = 0; i < cycles; i++) await cycle();
    const grown = rssMiB() - base;
    assert.ok(grown < 150, `RSS grew by ${grown.toFixed(0)} MiB over ${cycles} load/close cycles of the MLP`);
  });
});
