// Must show: a python3-grpcio client sending ModelInfer with raw contents to the example predictor
// gets the same outputs as the Weir transformer's call. raw_infer.py builds its messages from the
// compliance checker's table of the protocol (no generated stubs, nothing of Weir's); it gets the
// token ids the transformer sent, and its logits must equal the transformer's bit for bit. A
// missing python3-grpcio fails the suite.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { PYTHON, checkPythonPeers } from "../../test/interop/grpc/peers.js";
import type { ChildServer } from "./processes.js";
import { baseUrl, call, fp32Bytes, maskedMean, startPredictorProcess, startTransformerProcess, TEXTS } from "./test-fixtures.js";

/** raw_infer.py in the source tree (this file runs from dist/examples/transformer-predictor/). */
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/transformer-predictor/raw_infer.py");

interface RawOutput { name: string; datatype: string; shape: number[]; raw_base64: string; data: number[] }

/** Run raw_infer.py with `input` on stdin; resolves with its outputs, rejects on a non-zero exit or after 60 s. */
function rawInfer(target: string, model: string, output: string, input: object): Promise<RawOutput[]> {
  const child = spawn(PYTHON, [SCRIPT, "--target", target, "--model", model, "--output", output], { stdio: ["pipe", "pipe", "pipe"], timeout: 60_000, killSignal: "SIGKILL" });
  let out = "", err = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
  child.stdin.end(JSON.stringify(input));
  // bounded: spawn's timeout kills the child, which then closes
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) return reject(new Error(`raw_infer.py exited with ${code}: ${err}`));
      resolve((JSON.parse(out) as { outputs: RawOutput[] }).outputs);
    });
  });
}

describe("python3-grpcio ModelInfer (raw contents) to the example predictor = the Weir transformer's call", { timeout: 120_000 }, () => {
  let predictor: ChildServer;
  let transformer: ChildServer;
  let target: string;
  const transformerCall = async (model: string) => {
    const r = await call(`${baseUrl(transformer)}/v1/models/${model}:predict`, { body: { instances: TEXTS, parameters: { return_token_ids: true } } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as { predictions: unknown[]; input_ids: number[][]; attention_mask: number[][] };
  };

  before(async () => {
    checkPythonPeers(); // throws, saying what to install: the suite fails, never skips
    predictor = await startPredictorProcess();
    transformer = await startTransformerProcess(predictor, "grpc-v2");
    target = `127.0.0.1:${predictor.ports["grpc"]}`;
  });
  after(async () => {
    await transformer?.stop();
    await predictor?.stop();
  });

  it("encoder: the same logits, bit for bit, for the token ids the transformer sent", async () => {
    const weir = await transformerCall("encoder");
    const [logits] = await rawInfer(target, "encoder", "logits", { input_ids: weir.input_ids, attention_mask: weir.attention_mask });
    assert.equal(logits!.name, "logits");
    assert.equal(logits!.datatype, "FP32");
    assert.deepEqual(logits!.shape, [TEXTS.length, 3]);
    const transformerLogits = (weir.predictions as { logits: number[] }[]).flatMap((p) => p.logits);
    assert.deepEqual(Buffer.from(logits!.raw_base64, "base64"), fp32Bytes(transformerLogits));
  });

  it("token_embedding: the mean of Python's token vectors over the mask is the transformer's embedding, bit for bit", async () => {
    const weir = await transformerCall("token_embedding");
    const [vectors] = await rawInfer(target, "token_embedding", "embeddings", { input_ids: weir.input_ids });
    assert.deepEqual(vectors!.shape, [TEXTS.length, 128, 384]);
    const raw = Buffer.from(vectors!.raw_base64, "base64");
    const mean = maskedMean(new Float32Array(Uint8Array.from(raw).buffer), weir.attention_mask, 384); // a copy: 4-aligned
    assert.deepEqual(fp32Bytes(mean.flat()), fp32Bytes((weir.predictions as number[][]).flat()));
  });
});
