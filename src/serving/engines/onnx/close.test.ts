// close() unloads: later calls are UNAVAILABLE, a run in flight finishes first, and the session's
// memory goes back (the MLP holds ~34 MB of weights once loaded: a session not freed would show).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { assertClose, inferContext, modelPath, readReference } from "../../../../test/models/models.js";
import { Code, type RpcError } from "../../../core/index.js";
import { loadOnnxModel } from "./model.js";

const run = promisify(execFile);

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
    // In a child whose malloc hands large blocks back to the system at once (a fixed mmap threshold):
    // otherwise freed weights may stay in the process's heap, and RSS would not show what is held.
    const code = `
      const { loadOnnxModel } = await import(${JSON.stringify(new URL("./model.js", import.meta.url).href)});
      const ref = { name: "input", datatype: "FP32", shape: [1, 256], data: new Float32Array(256) };
      const ctx = { signal: new AbortController().signal, parameters: {}, outputs: undefined };
      const rss = [];
      for (let i = 0; i < 8; i++) {
        const model = await loadOnnxModel(${JSON.stringify(modelPath("mlp"))});
        await model.infer([ref], ctx); // the weights are in memory now
        await model.close();
        rss.push(process.memoryUsage.rss() / 2 ** 20);
      }
      console.log(JSON.stringify(rss));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], { env: { ...process.env, MALLOC_MMAP_THRESHOLD_: "1048576" }, timeout: 90_000 });
    const rss = JSON.parse(stdout) as number[];
    const grown = rss[rss.length - 1]! - rss[1]!; // after ONNX Runtime's own start-up allocations
    // A session kept would hold its ~34 MiB of weights: ~200 MiB over these 6 cycles.
    assert.ok(grown < 30, `RSS grew by ${grown.toFixed(0)} MiB over 6 load/close cycles of the MLP: ${rss.map((m) => m.toFixed(0)).join(" ")}`);
  });
});
