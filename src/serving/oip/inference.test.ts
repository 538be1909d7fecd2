// The inference core: lookups, the checks of a request against a model's config, outputs asked
// for, the call's signal and deadline reaching the model, metadata and the repository extension.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { createModelRepository, defineModel, type InferContext, type Model } from "../repository/index.js";
import { addSubModel, identityModel } from "./example-models.js";
import { InferenceCore } from "./inference.js";
import { resolveOipServerOptions } from "./options.js";
import { sampleTensor } from "./samples-fixture.js";
import { tensor, type Tensor } from "../tensor.js";

const code = (c: Code, re?: RegExp) => (e: unknown) => e instanceof RpcError && e.code === c && (re === undefined || re.test(e.rawMessage));
const fp32 = (name: string, shape: number[]) => tensor(name, "FP32", shape, new Float32Array(shape.reduce((a, b) => a * b, 1)));

/** A model that waits for its signal (or ignores it) and reports what it saw. */
function waiting(ignoreSignal: boolean): { model: Model; seen: InferContext[] } {
  const seen: InferContext[] = [];
  const model = defineModel(
    { name: "slow", inputs: [{ name: "x", datatype: "FP32", shape: [1] }], outputs: [{ name: "y", datatype: "FP32", shape: [1] }] },
    (inputs, ctx) => {
      seen.push(ctx);
      return new Promise<readonly Tensor[]>((resolve, reject) => {
        if (!ignoreSignal) ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
        setTimeout(() => resolve([{ ...inputs[0]!, name: "y" }]), 5_000).unref();
      });
    },
  );
  return { model, seen };
}

function core(models: Model[], defaultTimeoutMs?: number): InferenceCore {
  return new InferenceCore(resolveOipServerOptions({ repository: createModelRepository({ models }), ...(defaultTimeoutMs ? { defaultTimeoutMs } : {}) }));
}

describe("inference core", { timeout: 20_000 }, () => {
  const c = core([addSubModel(), identityModel("INT32"), defineModel({ name: "v", version: "2", platform: "onnxruntime_onnx", parameters: { k: "v" }, inputs: [{ name: "a", datatype: "INT8", shape: [2, -1] }], outputs: [{ name: "a", datatype: "INT8", shape: [2, -1] }] }, (i) => i)]);
  const add = (inputs: Tensor[], extra: object = {}) => c.infer({ modelName: "add_sub", inputs, ...extra });

  it("runs a model, echoes the id exactly and names the model and version", async () => {
    const res = await add([tensor("INPUT0", "FP32", [4], new Float32Array([1, 2, 3, 4])), tensor("INPUT1", "FP32", [4], new Float32Array([4, 3, 2, 1]))], { id: "req ✓ 42" });
    assert.deepEqual(res.outputs.map((t) => [t.name, Array.from(t.data as Float32Array)]), [["OUTPUT0", [5, 5, 5, 5]], ["OUTPUT1", [-3, -1, 1, 3]]]);
    assert.equal(res.id, "req ✓ 42");
    assert.equal(res.modelName, "add_sub");
    assert.equal(res.modelVersion, "1");
  });

  it("keeps only the outputs asked for, in the order asked", async () => {
    const res = await add([fp32("INPUT0", [4]), fp32("INPUT1", [4])], { outputs: [{ name: "OUTPUT1" }] });
    assert.deepEqual(res.outputs.map((t) => t.name), ["OUTPUT1"]);
    await assert.rejects(add([fp32("INPUT0", [4]), fp32("INPUT1", [4])], { outputs: [{ name: "NOPE" }] }), code(Code.InvalidArgument, /no output named "NOPE"; its outputs are OUTPUT0, OUTPUT1/));
  });

  it("checks inputs against the config", async () => {
    const cases: [Tensor[], RegExp][] = [
      [[fp32("INPUT0", [4])], /needs input INPUT1/],
      [[fp32("INPUT0", [4]), fp32("INPUT1", [4]), fp32("INPUT2", [4])], /no input named "INPUT2"/],
      [[fp32("INPUT0", [4]), fp32("INPUT0", [4])], /INPUT0 is given twice/],
      [[fp32("INPUT0", [4]), tensor("INPUT1", "INT32", [4], new Int32Array(4))], /INPUT1 of model add_sub is FP32, got INT32/],
      [[fp32("INPUT0", [5]), fp32("INPUT1", [4])], /INPUT0 of model add_sub has shape \[5\]; it takes \[4\]/],
      [[fp32("INPUT0", [1, 4]), fp32("INPUT1", [4])], /has shape \[1,4\]/],
      [[fp32("INPUT0", [4]), { name: "INPUT1", datatype: "FP32", shape: [4], data: new Int32Array(4) }], /INPUT1 is FP32 but its data is Int32Array/],
    ];
    for (const [inputs, re] of cases) await assert.rejects(add(inputs), code(Code.InvalidArgument, re), String(re));
  });

  it("takes any size for -1 dimensions, and a batch dimension up to maxBatchSize", async () => {
    const id = (shape: number[]) => c.infer({ modelName: "identity_int32", inputs: [sampleTensor("INPUT0", "INT32", shape)] });
    assert.deepEqual((await id([8, 3])).outputs[0]!.shape, [8, 3]);
    assert.deepEqual((await id([1, 0])).outputs[0]!.shape, [1, 0]);
    await assert.rejects(id([9, 3]), code(Code.InvalidArgument, /batch size from 1 to 8 as its first dimension, got shape \[9,3\]/));
    await assert.rejects(id([3]), code(Code.InvalidArgument, /it takes \[batch,-1\]/));
    await assert.rejects(id([0, 3]), code(Code.InvalidArgument, /batch size from 1 to 8/));
    const v = (shape: number[]) => c.infer({ modelName: "v", inputs: [sampleTensor("a", "INT8", shape)] });
    assert.deepEqual((await v([2, 7])).outputs[0]!.shape, [2, 7]);
    await assert.rejects(v([3, 7]), code(Code.InvalidArgument, /it takes \[2,-1\]/));
  });

  it("NOT_FOUND for an unknown model or version, UNAVAILABLE once unloaded, ready again once loaded", async () => {
    await assert.rejects(c.infer({ modelName: "nope", inputs: [] }), code(Code.NotFound, /no model named nope/));
    await assert.rejects(c.infer({ modelName: "v", modelVersion: "1", inputs: [] }), code(Code.NotFound, /model v has no version 1/));
    assert.throws(() => c.modelReady("nope"), code(Code.NotFound));
    const own = core([addSubModel()]);
    await own.unload("add_sub");
    assert.equal(own.modelReady("add_sub"), false);
    assert.equal(own.ready(), false);
    await assert.rejects(own.infer({ modelName: "add_sub", inputs: [] }), code(Code.Unavailable, /not ready/));
    assert.deepEqual(own.index(true), []);
    assert.deepEqual(own.index(), [{ name: "add_sub", version: "1", state: "UNAVAILABLE", reason: "unloaded" }]);
    await assert.rejects(own.load("add_sub", { config: "{}" }), code(Code.InvalidArgument, /load parameters are not supported \(got config\)/));
  });

  it("answers metadata from the config: the batch dimension as -1, versions, platform, properties", () => {
    assert.deepEqual(c.modelMetadata("identity_int32"), {
      name: "identity_int32", versions: ["1"], platform: "weir",
      inputs: [{ name: "INPUT0", datatype: "INT32", shape: [-1, -1] }], outputs: [{ name: "OUTPUT0", datatype: "INT32", shape: [-1, -1] }],
    });
    const v = c.modelMetadata("v", "2");
    assert.equal(v.platform, "onnxruntime_onnx");
    assert.deepEqual(v.properties, { k: "v" });
    assert.deepEqual(c.serverMetadata().extensions, ["binary_tensor_data", "model_repository"]);
  });

  it("the caller's signal reaches the model, and the call ends when it aborts even if the model ignores it", async () => {
    for (const ignore of [false, true]) {
      const { model, seen } = waiting(ignore);
      const controller = new AbortController();
      const running = core([model]).infer({ modelName: "slow", inputs: [fp32("x", [1])], parameters: { p: true } }, { signal: controller.signal });
      while (seen.length === 0) await new Promise((r) => setImmediate(r));
      assert.deepEqual(seen[0]!.parameters, { p: true });
      controller.abort(new RpcError(Code.Canceled, "client gone"));
      await assert.rejects(running, code(Code.Canceled, /client gone/));
      assert.equal(seen[0]!.signal.aborted, true);
    }
  });

  it("a call without a deadline gets defaultTimeoutMs: DEADLINE_EXCEEDED, the model's signal aborted", async () => {
    const { model, seen } = waiting(true);
    const started = Date.now();
    await assert.rejects(core([model], 50).infer({ modelName: "slow", inputs: [fp32("x", [1])] }), code(Code.DeadlineExceeded));
    assert.ok(Date.now() - started < 2_000);
    assert.equal(seen[0]!.signal.aborted, true);
    const { model: m2 } = waiting(true);
    await assert.rejects(core([m2]).infer({ modelName: "slow", inputs: [fp32("x", [1])] }, { timeoutMs: 30 }), code(Code.DeadlineExceeded));
  });

  it("a model that fails, or returns outputs unlike its config, is INTERNAL; its own RpcError passes through", async () => {
    const spec = { name: "bad", inputs: [{ name: "x", datatype: "FP32" as const, shape: [1] }], outputs: [{ name: "y", datatype: "FP32" as const, shape: [1] }] };
    const run = (infer: Model["infer"]) => core([defineModel(spec, infer)]).infer({ modelName: "bad", inputs: [fp32("x", [1])] });
    await assert.rejects(run(() => { throw new Error("boom"); }), code(Code.Internal, /model bad failed: boom/));
    await assert.rejects(run(async () => Promise.reject(new TypeError("async boom"))), code(Code.Internal, /failed: async boom/));
    await assert.rejects(run(() => { throw new RpcError(Code.ResourceExhausted, "queue full"); }), code(Code.ResourceExhausted, /queue full/));
    await assert.rejects(run(() => []), code(Code.Internal, /returned no output y/));
    await assert.rejects(run(() => [tensor("y", "INT32", [1], new Int32Array(1))]), code(Code.Internal, /returned output y as INT32; its config says FP32/));
    await assert.rejects(run(() => [{ name: "y", datatype: "FP32", shape: [2], data: new Float32Array(1) }]), code(Code.Internal, /has 1 elements, its shape \[2\] needs 2/));
    await assert.rejects(run(() => [{ name: "y", datatype: "FP32", shape: [1], data: new Float64Array(1) }]), code(Code.Internal, /returned output y of FP32 with its data in Float64Array/));
  });
});
