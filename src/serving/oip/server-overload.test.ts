// Overload through the dynamic batcher: a full queue is RESOURCE_EXHAUSTED with a retry hint,
// which REST answers as 429 with Retry-After and `{"error": ...}`, and gRPC as its status; a
// queue timeout is UNAVAILABLE (503). The server goes on serving once the queue empties.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { until } from "../../../test/attack/harness.js";
import { Code, RpcError } from "../../core/index.js";
import { isBatched } from "../batching/index.js";
import { defineModel } from "../repository/index.js";
import { createOipGrpcClient, type OipClient } from "./client/index.js";
import { tensor } from "../tensor.js";
import { startOipServers, type OipTestServers } from "./test-servers.js";

const code = (c: Code, re?: RegExp) => (e: unknown) => e instanceof RpcError && e.code === c && (re === undefined || re.test(e.rawMessage));

/** A batched model whose runs wait for `release()`; its queue holds one request. */
let release: () => void = () => {};
const busy = defineModel(
  {
    name: "busy", maxBatchSize: 1,
    dynamicBatching: { defaultQueuePolicy: { maxQueueSize: 1 } },
    inputs: [{ name: "x", datatype: "FP32", shape: [1] }], outputs: [{ name: "y", datatype: "FP32", shape: [1] }],
  },
  async ([x]) => {
    await new Promise<void>((resolve) => (release = resolve));
    return [{ ...x!, name: "y" }];
  },
);
const BODY = JSON.stringify({ inputs: [{ name: "x", datatype: "FP32", shape: [1, 1], data: [[1]] }] });
const input = [tensor("x", "FP32", [1, 1], new Float32Array([1]))];

describe("OIP server under overload (dynamic batcher)", { timeout: 30_000 }, () => {
  let s: OipTestServers;
  let grpc: OipClient;

  before(async () => {
    s = await startOipServers({ models: [busy] });
    grpc = createOipGrpcClient({ target: `127.0.0.1:${s.grpcPort}` });
  });
  after(async () => {
    release();
    await grpc?.close();
    await s?.close();
  });

  it("a full queue: REST 429 with Retry-After and an error body, gRPC RESOURCE_EXHAUSTED; served again once it empties", async () => {
    const model = s.repository.get("busy");
    assert.ok(isBatched(model));
    const running = fetch(`${s.baseUrl}/v2/models/busy/infer`, { method: "POST", body: BODY });
    await until(() => model.stats().running === 1, "the first request to run");
    const queued = grpc.infer("busy", input);
    await until(() => model.stats().queued === 1, "the second request to wait in the queue");

    const refused = await fetch(`${s.baseUrl}/v2/models/busy/infer`, { method: "POST", body: BODY });
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get("retry-after") ?? "", /^\d+$/);
    const body = (await refused.json()) as { error: string };
    assert.deepEqual(Object.keys(body), ["error"]);
    assert.match(body.error, /Exceeds maximum queue size/);
    await assert.rejects(grpc.infer("busy", input), code(Code.ResourceExhausted, /Exceeds maximum queue size/));

    release();
    assert.equal((await running).status, 200);
    await until(() => model.stats().running === 1, "the queued request to run");
    release();
    assert.equal((await queued).outputs[0]!.name, "y");
    const again = grpc.infer("busy", input);
    await until(() => model.stats().running === 1, "a new request to run");
    release();
    assert.equal((await again).outputs.length, 1);
  });
});
