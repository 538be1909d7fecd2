#!/usr/bin/env node
// Times one inference of each committed ONNX test model through Weir's ONNX engine (loadOnnxModel
// and Model.infer, as a server calls it), at batch 1 and batch 8, on the threads the engine uses by
// default (or --threads N). Needs `npm run build` first.
//   node scripts/models/time-onnx.mjs [--threads N] [--runs N]
import { loadOnnxModel } from "../../dist/src/serving/engines/onnx/index.js";
import { modelPath } from "../../dist/test/models/models.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const threads = arg("threads", undefined);
const runs = arg("runs", 200);
const ctx = { signal: new AbortController().signal, parameters: {}, outputs: undefined };
const ids = (name, b, seq) => ({ name, datatype: "INT64", shape: [b, seq], data: BigInt64Array.from({ length: b * seq }, (_, i) => BigInt((i * 7919) % 30000)) });
const INPUTS = {
  mlp: (b) => [{ name: "input", datatype: "FP32", shape: [b, 256], data: Float32Array.from({ length: b * 256 }, (_, i) => ((i * 7919) % 2001) / 1000 - 1) }],
  token_embedding: (b) => [ids("input_ids", b, 128)],
  encoder: (b) => [ids("input_ids", b, 128), { ...ids("attention_mask", b, 128), data: new BigInt64Array(b * 128).fill(1n) }],
};

for (const [name, inputs] of Object.entries(INPUTS)) {
  const t0 = performance.now();
  const model = await loadOnnxModel(modelPath(name), threads === undefined ? {} : { intraOpThreads: threads });
  const loadMs = performance.now() - t0;
  const line = [`${name}: load ${loadMs.toFixed(0)} ms`];
  for (const b of [1, 8]) {
    const x = inputs(b);
    for (let i = 0; i < 20; i++) await model.infer(x, ctx);
    const times = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      await model.infer(x, ctx);
      times.push(performance.now() - s);
    }
    times.sort((a, c) => a - c);
    line.push(`batch ${b}${name === "mlp" ? "" : "x128"}: median ${times[runs >> 1].toFixed(3)} ms (p90 ${times[Math.floor(runs * 0.9)].toFixed(3)})`);
  }
  console.log(line.join(", "));
  await model.close();
}
