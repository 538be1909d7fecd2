// The compliance checker (python3-grpcio + http.client) against `weir serve` itself, run as a
// child process with a model repository folder: every built-in model and an ONNX model loaded
// from the folder, over REST (the HTTP port) and gRPC (the RPC port, next to Generation).
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { oipProtoPath } from "../../../src/serving/index.js";
import { modelPath } from "../../models/models.js";
import { startServeProcess, type ServeProcess } from "../../e2e/serve-process.js";
import { checkPeers, runCompliance } from "./checker.js";

describe("OIP compliance checker against weir serve", { timeout: 180_000 }, () => {
  let serve: ServeProcess;
  let repo: string;

  before(async () => {
    checkPeers();
    repo = await mkdtemp(join(tmpdir(), "weir-serve-models-"));
    await mkdir(join(repo, "mlp", "1"), { recursive: true });
    await copyFile(modelPath("mlp"), join(repo, "mlp", "1", "model.onnx"));
    await writeFile(join(repo, "mlp", "config.json"), JSON.stringify({ maxBatchSize: 16, dynamicBatching: {} }));
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", `--model-repository=${repo}`] });
  });
  after(async () => {
    await serve?.stop();
    if (repo !== undefined) await rm(repo, { recursive: true, force: true });
  });

  it("passes every check for the built-in models and a model from --model-repository, on REST and gRPC", async () => {
    assert.match(serve.output(), /oip +http:\/\/\S+\/v2 \(models: add_sub, string_ops, tokenizer, mlp\)/);
    const httpPort = Number(new URL(serve.httpUrl).port);
    const grpcPort = Number(serve.rpcAddress.split(":").pop());
    const report = await runCompliance({ httpPort, grpcPort, proto: oipProtoPath() });
    assert.deepEqual(report.failed, [], report.output);
    assert.equal(report.code, 0, report.output);
    for (const model of ["add_sub", "string_ops", "tokenizer", "mlp"]) {
      assert.ok(report.passed.includes(`model ${model}: REST JSON (flat, nested), REST binary, gRPC raw and typed give the same outputs`), `${model}:\n${report.output}`);
    }
  });
});
