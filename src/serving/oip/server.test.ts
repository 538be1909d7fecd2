// The OIP server over REST and gRPC, called by Weir's OIP clients in all four forms (REST JSON,
// REST binary, on node:http and on fetch, gRPC raw, gRPC typed): every datatype, the example
// models, every endpoint.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { createOipGrpcClient, createOipRestClient, outputOf, type OipClient } from "./client/index.js";
import { DATATYPES } from "../datatype.js";
import { stringOpsModel } from "./example-models.js";
import { plainData, sampleTensor } from "./samples-fixture.js";
import { tensor, type Tensor } from "../tensor.js";
import { startOipServers, type OipTestServers } from "./test-servers.js";

const plain = (ts: readonly Tensor[]) => ts.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape], data: plainData(t) }));
const code = (c: Code, re?: RegExp) => (e: unknown) => e instanceof RpcError && e.code === c && (re === undefined || re.test(e.rawMessage));

describe("OIP server, REST and gRPC, through Weir's clients", { timeout: 60_000 }, () => {
  let s: OipTestServers;
  let clients: Record<"restJson" | "restBinary" | "restBinaryFetch" | "grpcRaw" | "grpcTyped", OipClient>;

  before(async () => {
    s = await startOipServers({ sources: { string_ops: async () => stringOpsModel() } });
    const target = `127.0.0.1:${s.grpcPort}`;
    clients = {
      restJson: createOipRestClient({ baseUrl: s.baseUrl }),
      restBinary: createOipRestClient({ baseUrl: s.baseUrl, binary: true }),
      restBinaryFetch: createOipRestClient({ baseUrl: s.baseUrl, binary: true, fetch }),
      grpcRaw: createOipGrpcClient({ target }),
      grpcTyped: createOipGrpcClient({ target, typed: true }),
    };
  });
  after(async () => {
    for (const c of Object.values(clients ?? {})) await c.close();
    await s?.close();
  });

  for (const datatype of DATATYPES) {
    it(`${datatype}: identity through every client gives back every element, the same on all`, async () => {
      const input = sampleTensor("INPUT0", datatype, [3, 4]);
      for (const [name, client] of Object.entries(clients)) {
        const res = await client.infer(`identity_${datatype.toLowerCase()}`, [input], { id: `id-${name}` });
        assert.equal(res.id, `id-${name}`);
        assert.equal(res.modelName, `identity_${datatype.toLowerCase()}`);
        assert.equal(res.modelVersion, "1");
        assert.deepEqual(plain(res.outputs), plain([{ ...input, name: "OUTPUT0" }]), `${datatype} via ${name}`);
      }
    });
  }

  it("add_sub gives the spec's sums and differences on every client, with outputs selected and versions in the path", async () => {
    const inputs = [tensor("INPUT0", "FP32", [4], new Float32Array([1, 2, 3, 4])), tensor("INPUT1", "FP32", [4], new Float32Array([0.5, 0.25, -1, 10]))];
    for (const client of Object.values(clients)) {
      const res = await client.infer("add_sub", inputs, { version: "1" });
      assert.deepEqual(Array.from(outputOf(res, "OUTPUT0").data as Float32Array), [1.5, 2.25, 2, 14]);
      assert.deepEqual(Array.from(outputOf(res, "OUTPUT1").data as Float32Array), [0.5, 1.75, 4, -6]);
      const one = await client.infer("add_sub", inputs, { outputs: ["OUTPUT1"] });
      assert.deepEqual(one.outputs.map((o) => o.name), ["OUTPUT1"]);
      await assert.rejects(client.infer("add_sub", inputs, { version: "9" }), code(Code.NotFound, /no version 9/));
    }
  });

  it("string_ops: BYTES in and out, and an INT64 output, on every client", async () => {
    const words = ["hello", "", "Grüße", "mixed Case 42"];
    const input = tensor("INPUT0", "BYTES", [4], words.map((w) => new Uint8Array(Buffer.from(w))));
    for (const client of Object.values(clients)) {
      const res = await client.infer("string_ops", [input]);
      assert.deepEqual((outputOf(res, "OUTPUT0").data as Uint8Array[]).map((b) => Buffer.from(b).toString()), ["HELLO", "", "GRüßE", "MIXED CASE 42"]);
      assert.deepEqual(Array.from(outputOf(res, "OUTPUT1").data as BigInt64Array), [5n, 0n, 7n, 13n]);
    }
  });

  it("decodes gRPC raw outputs and REST binary outputs as views of the response where aligned", async () => {
    const input = sampleTensor("INPUT0", "FP64", [1, 64]);
    const bin = await clients.restBinary.infer("identity_fp64", [input]);
    const out = bin.outputs[0]!.data as Float64Array;
    assert.ok(out.buffer.byteLength > out.byteLength, "a view into the whole response body"); // the JSON header is padded to 8 bytes
  });

  it("health and metadata agree on both protocols", async () => {
    for (const client of Object.values(clients)) {
      assert.equal(await client.serverLive(), true);
      assert.equal(await client.serverReady(), true);
      assert.equal(await client.modelReady("add_sub"), true);
      assert.equal(await client.modelReady("add_sub", { version: "1" }), true);
      assert.equal(await client.modelReady("no_such_model"), false);
      assert.deepEqual(await client.serverMetadata(), { name: "weir", version: s.oip.options.version, extensions: ["binary_tensor_data", "model_repository"] });
      assert.deepEqual(await client.modelMetadata("identity_bf16"), {
        name: "identity_bf16", versions: ["1"], platform: "weir",
        inputs: [{ name: "INPUT0", datatype: "BF16", shape: [-1, -1] }], outputs: [{ name: "OUTPUT0", datatype: "BF16", shape: [-1, -1] }],
      });
      await assert.rejects(client.modelMetadata("no_such_model"), code(Code.NotFound, /no model named no_such_model/));
    }
  });

  it("repository extension: index, unload (503 / UNAVAILABLE, not ready) and load back, on both protocols", async () => {
    for (const client of [clients.restJson, clients.grpcRaw]) {
      const index = await client.repositoryIndex();
      assert.equal(index.length, 2 + DATATYPES.length);
      assert.deepEqual(index.find((e) => e.name === "add_sub"), { name: "add_sub", version: "1", state: "READY", reason: "" });
      await client.unloadModel("string_ops");
      assert.equal(await client.modelReady("string_ops"), false);
      assert.equal(await client.serverReady(), false);
      assert.equal((await client.repositoryIndex({ ready: true })).length, 1 + DATATYPES.length);
      await assert.rejects(client.infer("string_ops", [tensor("INPUT0", "BYTES", [1], [new Uint8Array(1)])]), code(Code.Unavailable, /not ready \(unavailable: unloaded\)/));
      await client.loadModel("string_ops");
      assert.equal(await client.modelReady("string_ops"), true);
      await assert.rejects(client.unloadModel("no_such_model"), code(Code.NotFound));
    }
  });

  it("the REST client bounds the response it reads, and its calls by a timeout", async () => {
    const small = createOipRestClient({ baseUrl: s.baseUrl, maxResponseBytes: 100 });
    await assert.rejects(small.infer("identity_fp64", [sampleTensor("INPUT0", "FP64", [1, 64])]), code(Code.ResourceExhausted, /response body of \d+ bytes exceeds the limit of 100 bytes/));
    const hasty = createOipRestClient({ baseUrl: "http://127.0.0.1:9", timeoutMs: 1 }); // a port nobody listens on
    await assert.rejects(hasty.serverLive(), (e: unknown) => e instanceof RpcError && (e.code === Code.Unavailable || e.code === Code.DeadlineExceeded));
  });

  it("REST answers the protocol's way: 405 with Allow, 404 for other /v2 paths, health as status and JSON", async () => {
    const r405 = await fetch(`${s.baseUrl}/v2/models/add_sub/infer`);
    assert.equal(r405.status, 405);
    assert.equal(r405.headers.get("allow"), "POST");
    assert.deepEqual(await r405.json(), { error: "GET is not allowed on /v2/models/{model}/infer; use POST" });
    const r404 = await fetch(`${s.baseUrl}/v2/nothing/here`);
    assert.equal(r404.status, 404);
    assert.deepEqual(await r404.json(), { error: "no endpoint GET /v2/nothing/here" });
    const live = await fetch(`${s.baseUrl}/v2/health/live`);
    assert.deepEqual([live.status, await live.json()], [200, { live: true }]);
    const ready = await fetch(`${s.baseUrl}/v2/models/add_sub/versions/1/ready`);
    assert.deepEqual([ready.status, await ready.json()], [200, { name: "add_sub", ready: true }]);
  });
});
