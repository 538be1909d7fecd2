// The whole pipeline, predictor and transformers as child processes: the same texts give the same
// predictions over each predictor protocol, the post-processing matches a direct call to the
// predictor, V1 and V2 agree, latency lines are logged, and the predictor holds many large
// responses on one connection.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createOipGrpcClient, createOipRestClient, outputOf, tensor, type OipClient } from "weir/serving";
import { until } from "../../test/helpers/wait.js";
import type { PredictorProtocol } from "./predictor-client.js";
import { startChild, type ChildServer } from "./processes.js";
import {
  baseUrl, call, expectedTokens, fp32Bytes, maskedMean, PROTOCOLS, startPredictorProcess, startTransformerProcess, TEXTS,
} from "./test-fixtures.js";

interface EncoderPrediction { label: number; score: number; logits: number[] }
interface V1Reply { predictions: unknown[]; input_ids: number[][]; attention_mask: number[][] }

describe("transformer → predictor over v2, v2-binary and grpc-v2", { timeout: 180_000 }, () => {
  let predictor: ChildServer;
  const transformers = new Map<PredictorProtocol, ChildServer>();
  let direct: OipClient;
  const v1 = async (p: PredictorProtocol, model: string, headers: Record<string, string> = {}): Promise<V1Reply> => {
    const r = await call(`${baseUrl(transformers.get(p)!)}/v1/models/${model}:predict`, { body: { instances: TEXTS, parameters: { return_token_ids: true } }, headers });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as V1Reply;
  };

  before(async () => {
    predictor = await startPredictorProcess();
    for (const p of PROTOCOLS) transformers.set(p, await startTransformerProcess(predictor, p));
    direct = createOipGrpcClient({ target: `127.0.0.1:${predictor.ports["grpc"]}`, timeoutMs: 30_000 });
  });
  after(async () => {
    await direct?.close();
    for (const t of transformers.values()) assert.equal(await t.stop(), 0, "a transformer closes cleanly on SIGTERM");
    if (predictor) assert.equal(await predictor.stop(), 0, "the predictor closes cleanly on SIGTERM");
  });

  it("sends the cl100k token ids of each text, cut or padded to 128, whatever the protocol", async () => {
    const want = expectedTokens(TEXTS);
    for (const p of PROTOCOLS) {
      const r = await v1(p, "encoder");
      assert.deepEqual(r.input_ids, want.input_ids, p);
      assert.deepEqual(r.attention_mask, want.attention_mask, p);
    }
    assert.equal(want.attention_mask[3]!.every((m) => m === 1), true, "the long text fills all 128 positions");
  });

  it("encoder: the same logits bit for bit over every protocol and from a direct call; label and score follow from them", async () => {
    const tokens = expectedTokens(TEXTS);
    const ids = BigInt64Array.from(tokens.input_ids.flat(), BigInt), mask = BigInt64Array.from(tokens.attention_mask.flat(), BigInt);
    const res = await direct.infer("encoder", [tensor("input_ids", "INT64", [TEXTS.length, 128], ids), tensor("attention_mask", "INT64", [TEXTS.length, 128], mask)]);
    const logits = outputOf(res, "logits").data as Float32Array;
    for (const p of PROTOCOLS) {
      const predictions = (await v1(p, "encoder")).predictions as EncoderPrediction[];
      assert.equal(predictions.length, TEXTS.length);
      assert.deepEqual(fp32Bytes(predictions.flatMap((x) => x.logits)), Buffer.from(logits.buffer, logits.byteOffset, logits.byteLength), p);
      for (const { label, score, logits: l } of predictions) {
        assert.equal(label, l.indexOf(Math.max(...l)), `${p}: the label is the largest logit's index`);
        const softmax = Math.exp(l[label]!) / l.reduce((s, x) => s + Math.exp(x), 0);
        assert.ok(Math.abs(score - softmax) <= 1e-6, `${p}: score ${score} is the softmax ${softmax}`);
      }
    }
  });

  it("token_embedding: the same embedding over every protocol, the masked mean of a direct call's token vectors", async () => {
    const tokens = expectedTokens(TEXTS);
    const res = await direct.infer("token_embedding", [tensor("input_ids", "INT64", [TEXTS.length, 128], BigInt64Array.from(tokens.input_ids.flat(), BigInt))]);
    const vectors = outputOf(res, "embeddings");
    assert.deepEqual(vectors.shape, [TEXTS.length, 128, 384]);
    const mean = maskedMean(vectors.data as Float32Array, tokens.attention_mask, 384);
    for (const p of PROTOCOLS) {
      const predictions = (await v1(p, "token_embedding")).predictions as number[][];
      assert.deepEqual(predictions.map((row) => row.length), TEXTS.map(() => 384), p);
      assert.deepEqual(fp32Bytes(predictions.flat()), fp32Bytes(mean.flat()), `${p}: the embedding is the masked mean`);
    }
  });

  it("OIP REST on the transformer (JSON and binary) gives what V1 gives", async () => {
    const text = tensor("TEXT", "BYTES", [TEXTS.length], TEXTS.map((t) => new TextEncoder().encode(t)));
    for (const p of PROTOCOLS) {
      const encoder = (await v1(p, "encoder")).predictions as EncoderPrediction[];
      const embedding = (await v1(p, "token_embedding")).predictions as number[][];
      for (const binary of [false, true]) {
        const client = createOipRestClient({ baseUrl: baseUrl(transformers.get(p)!), binary, timeoutMs: 30_000 });
        try {
          const e = await client.infer("encoder", [text]);
          assert.deepEqual(Array.from(outputOf(e, "label").data as BigInt64Array, Number), encoder.map((x) => x.label), p);
          assert.deepEqual(fp32Bytes(outputOf(e, "score").data as Float32Array), fp32Bytes(encoder.map((x) => x.score)), p);
          assert.deepEqual(outputOf(e, "logits").shape, [TEXTS.length, 3]);
          assert.deepEqual(fp32Bytes(outputOf(e, "logits").data as Float32Array), fp32Bytes(encoder.flatMap((x) => x.logits)), p);
          const t = await client.infer("token_embedding", [text]);
          assert.deepEqual(outputOf(t, "embedding").shape, [TEXTS.length, 384]);
          assert.deepEqual(fp32Bytes(outputOf(t, "embedding").data as Float32Array), fp32Bytes(embedding.flat()), `${p}, binary ${binary}`);
        } finally {
          await client.close();
        }
      }
    }
  });

  it("logs one latency line per request with preprocess_ms, predict_ms and postprocess_ms", async () => {
    for (const p of PROTOCOLS) {
      await v1(p, "encoder", { "x-request-id": `latency-${p}` });
      const line = new RegExp(`^requestId: latency-${p}, model: encoder, instances: ${TEXTS.length}, preprocess_ms: \\d+\\.\\d{3}, predict_ms: \\d+\\.\\d{3}, postprocess_ms: \\d+\\.\\d{3}$`, "m");
      await until(() => line.test(transformers.get(p)!.log()), `the latency line of ${p}`, 10_000);
    }
  });

  it("KServe's spellings: --predictor_protocol rest is v2; --enable_latency_logging False logs nothing", async () => {
    const quiet = await startChild("transformer", [
      "--predictor_host", `127.0.0.1:${predictor.ports["http"]}`, "--predictor_protocol", "rest", "--http_port", "0", "--enable_latency_logging", "False",
    ]);
    try {
      const r = await call(`${baseUrl(quiet)}/v1/models/encoder:predict`, { body: { instances: ["quiet"] } });
      assert.equal(r.status, 200);
    } finally {
      assert.equal(await quiet.stop(), 0);
    }
    // The closing line is written after any line of the request: once it is read, all before it was.
    await until(() => quiet.log().includes("transformer: SIGTERM, closing"), "the closing line", 10_000);
    assert.doesNotMatch(quiet.log(), /requestId:/);
  });

  it("health: live, ready (the predictor's models ready), V1 model readiness", async () => {
    for (const p of PROTOCOLS) {
      const url = baseUrl(transformers.get(p)!);
      assert.deepEqual((await call(`${url}/v2/health/live`)).json, { live: true });
      assert.deepEqual(await call(`${url}/v2/health/ready`).then((r) => [r.status, r.json]), [200, { ready: true }]);
      assert.deepEqual((await call(`${url}/v1/models/encoder`)).json, { name: "encoder", ready: true });
    }
  });

  it("the predictor answers 64 concurrent 8 × 128 × 384 FP32 responses (1.5 MiB each) on one gRPC connection", async () => {
    const ids = tensor("input_ids", "INT64", [8, 128], BigInt64Array.from({ length: 8 * 128 }, (_, i) => BigInt(i % 1000)));
    const replies = await Promise.all(Array.from({ length: 64 }, () => direct.infer("token_embedding", [ids])));
    for (const r of replies) assert.equal((outputOf(r, "embeddings").data as Float32Array).length, 8 * 128 * 384);
  });
});
