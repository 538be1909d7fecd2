// What the predictor's failures become at the transformer, over each protocol: overloaded 429 and
// out of reach 503 (both with Retry-After), its refusal 400, its failure 500, no answer in time
// 504; and a full transformer answers 429 instead of queueing. The predictor here is a Weir OIP
// server in the test's process whose model does what each test asks.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, Metadata, RpcError } from "weir";
import { defineModel, tensor, type Tensor } from "weir/serving";
import { startOipServers } from "../../src/serving/oip/test-servers.js";
import { type OipTestServers } from "../../src/serving/oip/test-servers.js";
import { until } from "../../test/helpers/wait.js";
import { freePort } from "../../test/helpers/net.js";
import type { PredictorProtocol } from "./predictor-client.js";
import type { ChildServer } from "./processes.js";
import { assertRefused, baseUrl, call, PROTOCOLS, startTransformerProcess } from "./test-fixtures.js";

type Mode = "ok" | "hold" | "overload" | "refuse" | "fail";

/** A predictor whose `encoder` and `token_embedding` do what `mode` says. */
function controlledPredictor() {
  const state = { mode: "ok" as Mode, entered: 0, release: [] as (() => void)[] };
  const behave = async (signal: AbortSignal): Promise<void> => {
    state.entered++;
    if (state.mode === "overload") throw new RpcError(Code.ResourceExhausted, "the queue is full", { metadata: new Metadata({ "retry-after": "2" }) });
    if (state.mode === "refuse") throw new RpcError(Code.InvalidArgument, "input_ids is too long");
    if (state.mode === "fail") throw new Error("the model broke");
    if (state.mode === "hold") {
      await new Promise<void>((resolve, reject) => {
        state.release.push(resolve);
        signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
      });
    }
  };
  const ids = { name: "input_ids", datatype: "INT64", shape: [-1, -1] } as const;
  const encoder = defineModel(
    { name: "encoder", inputs: [ids, { ...ids, name: "attention_mask" }], outputs: [{ name: "logits", datatype: "FP32", shape: [-1, 3] }] },
    async ([x], ctx): Promise<Tensor[]> => {
      await behave(ctx.signal);
      return [tensor("logits", "FP32", [x!.shape[0]!, 3], new Float32Array(x!.shape[0]! * 3))];
    },
  );
  const embedding = defineModel(
    { name: "token_embedding", inputs: [ids], outputs: [{ name: "embeddings", datatype: "FP32", shape: [-1, -1, 4] }] },
    async ([x], ctx): Promise<Tensor[]> => {
      await behave(ctx.signal);
      return [tensor("embeddings", "FP32", [x!.shape[0]!, x!.shape[1]!, 4], new Float32Array(x!.shape[0]! * x!.shape[1]! * 4))];
    },
  );
  return { state, models: [encoder, embedding] };
}

describe("transformer: the predictor's failures", { timeout: 120_000 }, () => {
  const { state, models } = controlledPredictor();
  let predictor: OipTestServers;
  const transformers = new Map<PredictorProtocol, ChildServer>();
  const predict = (p: PredictorProtocol) => call(`${baseUrl(transformers.get(p)!)}/v1/models/encoder:predict`, { body: { instances: ["a text"] } });

  before(async () => {
    predictor = await startOipServers({ models });
    const ports = { http: predictor.httpPort, grpc: predictor.grpcPort };
    await Promise.all(PROTOCOLS.map(async (p) => transformers.set(p, await startTransformerProcess(ports, p, ["--predictor-request-timeout-seconds", "1"]))));
  });
  after(async () => {
    for (const release of state.release) release();
    await Promise.all([...transformers.values()].map((t) => t.stop()));
    await predictor?.close();
  });

  it("answers 200 when the predictor does", async () => {
    state.mode = "ok";
    for (const p of PROTOCOLS) assert.equal((await predict(p)).status, 200, p);
  });

  it("predictor overloaded: 429 with Retry-After, on V1 and V2", async () => {
    state.mode = "overload";
    for (const p of PROTOCOLS) {
      const r = await predict(p);
      assertRefused(r, 429, /the predictor at 127\.0\.0\.1:\d+ is overloaded: .*the queue is full/);
      assert.match(r.headers.get("retry-after") ?? "", /^[12]$/, p);
      const v2 = await call(`${baseUrl(transformers.get(p)!)}/v2/models/token_embedding/infer`, { body: { inputs: [{ name: "TEXT", datatype: "BYTES", shape: [1], data: ["a"] }] } });
      assertRefused(v2, 429, /overloaded/);
      assert.ok(v2.headers.get("retry-after"), p);
    }
  });

  it("predictor refuses the input: 400; predictor fails: 500", async () => {
    for (const p of PROTOCOLS) {
      state.mode = "refuse";
      assertRefused(await predict(p), 400, /the predictor refused the input: .*input_ids is too long/);
      state.mode = "fail";
      assertRefused(await predict(p), 500, /the predictor at .* failed/);
    }
  });

  it("no answer within --predictor-request-timeout-seconds: 504", async () => {
    state.mode = "hold";
    const started = Date.now();
    const replies = await Promise.all(PROTOCOLS.map(predict));
    for (const r of replies) assertRefused(r, 504, /did not answer in time/);
    assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms`);
  });

  it("a full transformer (--max-in-flight 1) answers 429 with Retry-After: 1 instead of queueing", async () => {
    state.mode = "hold";
    state.release.length = 0;
    const one = await startTransformerProcess({ http: predictor.httpPort, grpc: predictor.grpcPort }, "grpc-v2", ["--max-in-flight", "1"]);
    try {
      const entered = state.entered;
      const first = call(`${baseUrl(one)}/v1/models/encoder:predict`, { body: { instances: ["first"] } });
      await until(() => state.entered > entered, "the first request to reach the predictor", 10_000);
      const second = await call(`${baseUrl(one)}/v1/models/encoder:predict`, { body: { instances: ["second"] } });
      assertRefused(second, 429, /1 requests in flight, its limit/);
      assert.equal(second.headers.get("retry-after"), "1");
      const v2 = await call(`${baseUrl(one)}/v2/models/encoder/infer`, { body: { inputs: [{ name: "TEXT", datatype: "BYTES", shape: [1], data: ["x"] }] } });
      assertRefused(v2, 429, /in flight/);
      state.mode = "ok";
      for (const release of state.release) release();
      assert.equal((await first).status, 200);
      assert.equal((await call(`${baseUrl(one)}/v1/models/encoder:predict`, { body: { instances: ["third"] } })).status, 200, "a place is free again");
    } finally {
      await one.stop();
    }
  });

  it("predictor out of reach: 503 with Retry-After and a JSON error; not ready", async () => {
    const port = await freePort(); // nothing listens there
    const down = await Promise.all(PROTOCOLS.map((p) => startTransformerProcess({ http: port, grpc: port }, p)));
    try {
      for (const t of down) {
        const r = await call(`${baseUrl(t)}/v1/models/encoder:predict`, { body: { instances: ["anyone there?"] } });
        assertRefused(r, 503, new RegExp(`the predictor at 127\\.0\\.0\\.1:${port} is unavailable`));
        assert.equal(r.headers.get("retry-after"), "1");
        assert.deepEqual(await call(`${baseUrl(t)}/v2/health/ready`).then((x) => [x.status, x.json]), [503, { ready: false }]);
      }
    } finally {
      await Promise.all(down.map((t) => t.stop()));
    }
  });
});
