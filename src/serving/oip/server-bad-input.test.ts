// Hostile and broken requests (issue 11, item 9) over REST and gRPC: each gets the protocol's
// error, and the server answers the next well-formed request. Also the size limits, the byte
// budget of REST requests, and cancellation reaching the model.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { until } from "../../../test/attack/harness.js";
import { Code, RpcError } from "../../core/index.js";
import { loadProtoSync } from "../../codec/protobuf/index.js";
import { createClient, type Client } from "../../rpc/index.js";
import { createGrpcTransport, type GrpcTransport } from "../../transport/index.js";
import { defineModel, type InferContext } from "../repository/index.js";
import { createOipGrpcClient, createOipRestClient, type OipClient } from "./client/index.js";
import { OIP_SERVICE, oipProtoPath } from "./descriptor.js";
import { exampleModels } from "./example-models.js";
import { tensor } from "../tensor.js";
import { startOipServers, type OipTestServers } from "./test-servers.js";
import { within } from "../../../test/helpers/wait.js";

type Plain = Client<{ ModelInfer: import("../../idl/descriptor.js").UnaryMethod<object, object> }>;
const code = (c: Code, re?: RegExp) => (e: unknown) => e instanceof RpcError && e.code === c && (re === undefined || re.test(e.rawMessage));

/** A model that runs until its signal aborts, and keeps the contexts it was called with. */
const calls: InferContext[] = [];
const slow = defineModel(
  { name: "slow", inputs: [{ name: "x", datatype: "FP32", shape: [1] }], outputs: [{ name: "y", datatype: "FP32", shape: [1] }] },
  (_inputs, ctx) => {
    calls.push(ctx);
    return new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true }));
  },
);

const ADD = { inputs: [{ name: "INPUT0", datatype: "FP32", shape: [4], data: [1, 2, 3, 4] }, { name: "INPUT1", datatype: "FP32", shape: [4], data: [1, 1, 1, 1] }] };

describe("OIP server: bad input, limits and cancellation", { timeout: 60_000 }, () => {
  let s: OipTestServers;
  let transport: GrpcTransport;
  let plain: Plain;
  let oip: OipClient;

  const rest = async (path: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const r = await fetch(s.baseUrl + path, { method: "POST", body, headers });
    return { status: r.status, headers: r.headers, json: (await r.json()) as { error?: string } };
  };
  /** A well-formed request must still be answered, over both protocols. */
  const stillServing = async () => {
    const r = await rest("/v2/models/add_sub/infer", JSON.stringify(ADD));
    assert.equal(r.status, 200);
    const g = await oip.infer("add_sub", [tensor("INPUT0", "FP32", [4], new Float32Array(4)), tensor("INPUT1", "FP32", [4], new Float32Array(4))]);
    assert.equal(g.outputs.length, 2);
  };
  const restRefuses = async (path: string, body: string | Buffer, status: number, re: RegExp, headers?: Record<string, string>) => {
    const r = await rest(path, body, headers);
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.match(r.json.error ?? "", re);
    assert.deepEqual(Object.keys(r.json), ["error"]);
    await stillServing();
  };
  const grpcRefuses = async (request: object, c: Code, re: RegExp) => {
    await assert.rejects(plain.ModelInfer({ model_name: "add_sub", ...request }), code(c, re));
    await stillServing();
  };
  const binary = (header: object, data: number[]) => {
    const json = Buffer.from(JSON.stringify(header));
    return { body: Buffer.concat([json, Buffer.from(data)]), headers: { "inference-header-content-length": String(json.length) } };
  };

  before(async () => {
    s = await startOipServers({
      models: [...exampleModels(), slow],
      oip: { limits: { maxTensorBytes: 1 << 20 }, rest: { maxBodyBytes: 2 << 20 } },
      grpc: { limits: { maxReceiveMessageBytes: 4 << 20 } },
    });
    transport = createGrpcTransport({ target: `127.0.0.1:${s.grpcPort}`, limits: { maxSendMessageBytes: 16 << 20 } });
    plain = createClient(loadProtoSync(oipProtoPath()).service(OIP_SERVICE), transport) as unknown as Plain;
    oip = createOipGrpcClient({ target: `127.0.0.1:${s.grpcPort}` });
  });
  after(async () => {
    await until(() => s.oip.restBufferedBytes() === 0, "every REST lease to be given back");
    await oip?.close();
    await transport?.close();
    await s?.close();
  });

  it("malformed JSON: 400", () => restRefuses("/v2/models/add_sub/infer", '{"inputs": [', 400, /is not valid JSON/));

  it("wrong datatype: 400 / INVALID_ARGUMENT", async () => {
    await restRefuses("/v2/models/add_sub/infer", JSON.stringify({ inputs: [ADD.inputs[0], { ...ADD.inputs[1], datatype: "INT32" }] }), 400, /INPUT1 of model add_sub is FP32, got INT32/);
    await grpcRefuses({ inputs: [{ name: "INPUT0", datatype: "FP64", shape: [4] }, { name: "INPUT1", datatype: "FP32", shape: [4] }], raw_input_contents: [new Uint8Array(32), new Uint8Array(16)] }, Code.InvalidArgument, /INPUT0 of model add_sub is FP32, got FP64/);
  });

  it("wrong shape: 400 / INVALID_ARGUMENT", async () => {
    await restRefuses("/v2/models/add_sub/infer", JSON.stringify({ inputs: [ADD.inputs[0], { ...ADD.inputs[1], shape: [2, 2] }] }), 400, /INPUT1 of model add_sub has shape \[2,2\]; it takes \[4\]/);
    await grpcRefuses({ inputs: [{ name: "INPUT0", datatype: "FP32", shape: [2] }, { name: "INPUT1", datatype: "FP32", shape: [4] }], raw_input_contents: [new Uint8Array(8), new Uint8Array(16)] }, Code.InvalidArgument, /has shape \[2\]; it takes \[4\]/);
  });

  it("data count not matching the shape: 400 / INVALID_ARGUMENT", async () => {
    await restRefuses("/v2/models/add_sub/infer", JSON.stringify({ inputs: [ADD.inputs[0], { ...ADD.inputs[1], data: [1, 2, 3] }] }), 400, /input INPUT1 has 3 elements in its data; its shape needs 4/);
    await grpcRefuses({ inputs: [{ name: "INPUT0", datatype: "FP32", shape: [4], contents: { fp32_contents: [1, 2, 3] } }] }, Code.InvalidArgument, /INPUT0 has 3 elements in fp32_contents; its shape needs 4/);
  });

  it("raw contents of the wrong byte length: 400 / INVALID_ARGUMENT", async () => {
    const { body, headers } = binary({ inputs: [{ ...ADD.inputs[0], data: undefined, parameters: { binary_data_size: 15 } }, ADD.inputs[1]] }, new Array(15).fill(0));
    await restRefuses("/v2/models/add_sub/infer", body, 400, /raw contents of tensor INPUT0 have 15 bytes; shape \[4\] of FP32 needs 16/, headers);
    await grpcRefuses({ inputs: [{ name: "INPUT0", datatype: "FP32", shape: [4] }, { name: "INPUT1", datatype: "FP32", shape: [4] }], raw_input_contents: [new Uint8Array(16), new Uint8Array(17)] }, Code.InvalidArgument, /INPUT1 have 17 bytes; shape \[4\] of FP32 needs 16/);
  });

  it("BYTES with a length prefix past the end: 400 / INVALID_ARGUMENT", async () => {
    const { body, headers } = binary({ inputs: [{ name: "INPUT0", datatype: "BYTES", shape: [1], parameters: { binary_data_size: 6 } }] }, [255, 255, 0, 0, 65, 66]);
    await restRefuses("/v2/models/string_ops/infer", body, 400, /length prefix of 65535 bytes, past the end of its contents \(2 bytes left\)/, headers);
    await grpcRefuses({ model_name: "string_ops", inputs: [{ name: "INPUT0", datatype: "BYTES", shape: [2] }], raw_input_contents: [new Uint8Array([1, 0, 0, 0, 65, 9, 0, 0, 0, 66])] }, Code.InvalidArgument, /BYTES element 1 of tensor INPUT0 has a length prefix of 9 bytes, past the end/);
  });

  it("a shape whose element count overflows: 400 / INVALID_ARGUMENT, nothing allocated", async () => {
    await restRefuses("/v2/models/add_sub/infer", JSON.stringify({ inputs: [{ ...ADD.inputs[0], shape: [2 ** 40, 2 ** 40, 2 ** 40] }, ADD.inputs[1]] }), 400, /tensor INPUT0 has more than \d+ elements/);
    await grpcRefuses({ inputs: [{ name: "INPUT0", datatype: "FP32", shape: ["9223372036854775807", "9223372036854775807"] }], raw_input_contents: [new Uint8Array(4)] }, Code.InvalidArgument, /bad dimension|more than/);
  });

  it("a tensor over the size limit: 400 / INVALID_ARGUMENT", async () => {
    const big = (1 << 20) / 4 + 1;
    const { body, headers } = binary({ inputs: [{ name: "INPUT0", datatype: "FP32", shape: [big], parameters: { binary_data_size: big * 4 } }] }, new Array(big * 4).fill(0));
    await restRefuses("/v2/models/add_sub/infer", body, 400, /tensor INPUT0 has more than 262144 elements/, headers);
    await grpcRefuses({ inputs: [{ name: "INPUT0", datatype: "FP32", shape: [big] }], raw_input_contents: [new Uint8Array(big * 4)] }, Code.InvalidArgument, /more than 262144 elements/);
  });

  it("an unknown model or version: 404 / NOT_FOUND", async () => {
    await restRefuses("/v2/models/nope/infer", JSON.stringify(ADD), 404, /no model named nope/);
    await restRefuses("/v2/models/add_sub/versions/7/infer", JSON.stringify(ADD), 404, /model add_sub has no version 7/);
    await grpcRefuses({ model_name: "nope" }, Code.NotFound, /no model named nope/);
    await grpcRefuses({ model_version: "7" }, Code.NotFound, /no version 7/);
  });

  it("a binary-extension header length past the body, or not a number: 400", async () => {
    const json = JSON.stringify(ADD);
    await restRefuses("/v2/models/add_sub/infer", json, 400, /Inference-Header-Content-Length is \d+ but the body has \d+ bytes/, { "inference-header-content-length": String(json.length + 1) });
    await restRefuses("/v2/models/add_sub/infer", json, 400, /Inference-Header-Content-Length must be a byte count, got "12ab"/, { "inference-header-content-length": "12ab" });
  });

  it("a body over maxBodyBytes: 413 as soon as Content-Length says so, or as the bytes arrive", async () => {
    await restRefuses("/v2/models/add_sub/infer", Buffer.alloc((2 << 20) + 1, 0x20), 413, /request body of 2097153 bytes exceeds the limit of 2097152 bytes/);
    const chunked = await within(new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${s.baseUrl}/v2/models/add_sub/infer`, { method: "POST" }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString())).on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      for (let i = 0; i < 40; i++) req.write(Buffer.alloc(64 << 10, 0x20)); // 2.5 MiB, no Content-Length
      req.end();
    }), "the chunked request's answer");
    assert.equal(chunked.status, 413);
    assert.match(chunked.body, /exceeds the limit of 2097152 bytes/);
    await stillServing();
  });

  it("a gRPC message over the server's limit: RESOURCE_EXHAUSTED", async () => {
    await grpcRefuses({ inputs: [{ name: "INPUT0", datatype: "FP32", shape: [1] }], raw_input_contents: [new Uint8Array(5 << 20)] }, Code.ResourceExhausted, /exceeds the limit of 4194304/);
  });

  it("a body that does not arrive by the request's deadline: 504, and a REST client timeout: DEADLINE_EXCEEDED", async () => {
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${s.baseUrl}/v2/models/add_sub/infer`, { method: "POST", headers: { "x-timeout-ms": "150", "content-length": "1000" } }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString())).on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      req.write("{\"inputs\": ["); // and nothing more
    });
    assert.equal(reply.status, 504);
    assert.match(reply.body, /deadline exceeded/);
    const client = createOipRestClient({ baseUrl: s.baseUrl, timeoutMs: 100 });
    await assert.rejects(client.infer("slow", [tensor("x", "FP32", [1], new Float32Array(1))]), code(Code.DeadlineExceeded, /timed out/));
    await stillServing();
  });

  it("the REST client opens at most maxConnections connections; more calls wait for one, within their timeout", async () => {
    let open = 0, most = 0;
    const count = (socket: import("node:net").Socket) => {
      most = Math.max(most, ++open);
      socket.once("close", () => open--);
    };
    s.http.on("connection", count);
    const client = createOipRestClient({ baseUrl: s.baseUrl, maxConnections: 2, timeoutMs: 300 });
    try {
      const calls = Array.from({ length: 5 }, () => client.infer("slow", [tensor("x", "FP32", [1], new Float32Array(1))]));
      for (const c of calls) await assert.rejects(c, code(Code.DeadlineExceeded));
      assert.equal(most, 2);
    } finally {
      s.http.off("connection", count);
      await client.close();
    }
    await stillServing();
  });

  it("a closed HTTP connection aborts the model's signal", async () => {
    const before = calls.length;
    const req = http.request(`${s.baseUrl}/v2/models/slow/infer`, { method: "POST" });
    req.on("error", () => {});
    req.end(JSON.stringify({ inputs: [{ name: "x", datatype: "FP32", shape: [1], data: [1] }] }));
    await until(() => calls.length > before, "the model to start");
    req.destroy();
    await until(() => calls[before]!.signal.aborted, "the model's signal to abort");
    assert.equal(RpcError.from(calls[before]!.signal.reason).code, Code.Canceled);
    await stillServing();
  });

  it("a cancelled gRPC call, and one past its deadline, abort the model's signal", async () => {
    const controller = new AbortController();
    const before = calls.length;
    const running = oip.infer("slow", [tensor("x", "FP32", [1], new Float32Array(1))], { signal: controller.signal });
    await until(() => calls.length > before, "the model to start");
    controller.abort();
    await assert.rejects(running, code(Code.Canceled));
    await until(() => calls[before]!.signal.aborted, "the model's signal to abort");
    await assert.rejects(oip.infer("slow", [tensor("x", "FP32", [1], new Float32Array(1))], { timeoutMs: 100 }), code(Code.DeadlineExceeded));
    await until(() => calls[before + 1]?.signal.aborted === true, "the model's signal to abort at the deadline");
    await stillServing();
  });
});

describe("OIP gRPC client message limits", { timeout: 30_000 }, () => {
  it("the gRPC client takes messages past gRPC's usual 4 MiB (64 MiB by default), and its own limit when given one", async () => {
    const input = tensor("INPUT0", "UINT8", [1, 5 << 20], new Uint8Array(5 << 20).fill(7));
    const s = await startOipServers({ grpc: { limits: { maxReceiveMessageBytes: 8 << 20, maxSendMessageBytes: 8 << 20 } } });
    const oip = createOipGrpcClient({ target: `127.0.0.1:${s.grpcPort}` });
    const strict = createOipGrpcClient({ target: `127.0.0.1:${s.grpcPort}`, grpc: { limits: { maxReceiveMessageBytes: 1 << 20, maxSendMessageBytes: 8 << 20 } } });
    try {
      const res = await oip.infer("identity_uint8", [input]);
      assert.equal((res.outputs[0]!.data as Uint8Array).length, 5 << 20);
      await assert.rejects(strict.infer("identity_uint8", [input]), code(Code.ResourceExhausted));
    } finally {
      await strict.close();
      await oip.close();
      await s.close();
    }
  });
});

describe("OIP REST byte budget", { timeout: 30_000 }, () => {
  it("a request that would take the REST requests past maxBufferedBytes gets 503 with Retry-After, others still pass", async () => {
    const s = await startOipServers({ oip: { rest: { maxBufferedBytes: 1000 } } });
    try {
      const r = await fetch(`${s.baseUrl}/v2/models/add_sub/infer`, { method: "POST", body: JSON.stringify({ ...ADD, pad: "x".repeat(1000) }) });
      assert.equal(r.status, 503);
      assert.equal(r.headers.get("retry-after"), "1");
      assert.match(((await r.json()) as { error: string }).error, /holds 0 bytes of inference requests, its limit is 1000; retry later/);
      const ok = await fetch(`${s.baseUrl}/v2/models/add_sub/infer`, { method: "POST", body: JSON.stringify(ADD) });
      assert.equal(ok.status, 200);
      await ok.arrayBuffer();
      await until(() => s.oip.restBufferedBytes() === 0, "every lease to be given back");
    } finally {
      await s.close();
    }
  });
});
