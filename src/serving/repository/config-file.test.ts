import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseModelFile } from "./config-file.js";

const parse = (v: unknown) => parseModelFile(JSON.stringify(v), "m");

describe("config.json of a model folder", () => {
  it("reads Triton's fields in snake_case, its TYPE_ names, dims and 64-bit integers written as strings", () => {
    const f = parse({
      name: "m", backend: "onnxruntime", max_batch_size: 8,
      input: [{ name: "x", data_type: "TYPE_FP32", dims: ["4"], format: "FORMAT_NONE" }],
      output: [{ name: "y", data_type: "TYPE_STRING", dims: [-1] }],
      dynamic_batching: {
        preferred_batch_size: [4, 8], max_queue_delay_microseconds: "100", priority_levels: 2, default_priority_level: 2,
        default_queue_policy: { timeout_action: "DELAY", default_timeout_microseconds: 50, allow_timeout_override: true, max_queue_size: 16 },
        priority_queue_policy: { 1: { max_queue_size: 4 } },
      },
      parameters: { threads: { string_value: "2" }, mode: "fast" },
      instance_group: [{ count: 2, kind: "KIND_CPU" }, { kind: "KIND_CPU" }],
      version_policy: { specific: { versions: [1, 3] } },
      default_model_filename: "model.onnx",
      model_warmup: [],
    });
    assert.deepEqual(f.config, {
      name: "m", platform: "onnxruntime_onnx", maxBatchSize: 8,
      inputs: [{ name: "x", datatype: "FP32", shape: [4] }],
      outputs: [{ name: "y", datatype: "BYTES", shape: [-1] }],
      dynamicBatching: {
        preferredBatchSize: [4, 8], maxQueueDelayMicroseconds: 100, priorityLevels: 2, defaultPriorityLevel: 2,
        defaultQueuePolicy: { timeoutAction: "DELAY", defaultTimeoutMicroseconds: 50, allowTimeoutOverride: true, maxQueueSize: 16 },
        priorityQueuePolicy: { 1: { maxQueueSize: 4 } },
      },
      parameters: { threads: "2", mode: "fast" },
    });
    assert.equal(f.instances, 3);
    assert.deepEqual(f.versionPolicy, { kind: "specific", versions: ["1", "3"] });
    assert.equal(f.defaultModelFilename, "model.onnx");
  });

  it("reads the camelCase form with the protocol's names (inputs, datatype, shape); an empty file is an empty config", () => {
    const f = parse({ platform: "weir_json", maxBatchSize: 0, inputs: [{ name: "a", datatype: "INT64", shape: [2, 3] }], outputs: [{ name: "b", dataType: "BF16", shape: [1] }], versionPolicy: { all: {} } });
    assert.deepEqual(f.config, { name: "m", platform: "weir_json", maxBatchSize: 0, inputs: [{ name: "a", datatype: "INT64", shape: [2, 3] }], outputs: [{ name: "b", datatype: "BF16", shape: [1] }] });
    assert.deepEqual(f.versionPolicy, { kind: "all" });
    const empty = parse({});
    assert.deepEqual(empty.config, { name: "m", inputs: [], outputs: [] });
    assert.deepEqual(empty.versionPolicy, { kind: "latest", count: 1 });
    assert.equal(empty.instances, 1);
  });

  it("refuses a bad file with an error that names the model and the field", () => {
    const cases: [unknown, RegExp][] = [
      ["{", /config\.json of model m: not JSON/],
      [[1], /the file must be a JSON object/],
      [{ maxBatchSize: -1 }, /maxBatchSize must be an integer in 0\.\.1048576, got -1/],
      [{ maxBatchSize: 1.5 }, /maxBatchSize must be an integer/],
      [{ max_batch_size: 1, maxBatchSize: 2 }, /maxBatchSize is given twice/],
      [{ name: "other" }, /name is "other", but the folder is m/],
      [{ inputs: [{ name: "x", datatype: "FLOAT", shape: [1] }] }, /input x has datatype "FLOAT": use BOOL/],
      [{ inputs: [{ name: "x", datatype: "FP32", shape: [-2] }] }, /input x has a bad dimension -2/],
      [{ inputs: [{ name: "x", datatype: "FP32" }] }, /input x needs a shape \(dims\)/],
      [{ inputs: [{ name: "x", datatype: "FP32", shape: [1] }, { name: "x", datatype: "FP32", shape: [1] }] }, /input\[1\] needs a name of its own/],
      [{ inputs: [{ name: "x", datatype: "FP32", shape: [1], colour: "red" }] }, /unknown field input\[0\]\.colour/],
      [{ batching: {} }, /unknown field batching \(known: name, platform/],
      [{ dynamicBatching: { preferredBatchSize: [2, "x"] } }, /dynamicBatching\.preferredBatchSize\[1\] must be an integer/],
      [{ dynamicBatching: { defaultQueuePolicy: { timeoutAction: "DROP" } } }, /timeoutAction must be "REJECT" or "DELAY"/],
      [{ dynamicBatching: { priorityQueuePolicy: { high: {} } } }, /priorityQueuePolicy has a level "high"/],
      [{ dynamicBatching: { maxQueueDelay: 5 } }, /unknown field dynamicBatching\.maxQueueDelay/],
      [{ sequenceBatching: {} }, /sequence batching is not supported/],
      [{ modelTransactionPolicy: { decoupled: true } }, /decoupled models are not supported/],
      [{ parameters: { n: 3 } }, /parameters\.n must be a string/],
      [{ instanceGroup: [{ count: 65 }] }, /instanceGroup\[0\]\.count must be an integer in 0\.\.64/],
      [{ versionPolicy: { latest: {}, all: {} } }, /versionPolicy must be one of/],
      [{ defaultModelFilename: "../model.onnx" }, /defaultModelFilename must be a string matching/],
      [{ inputs: Array.from({ length: 1025 }, (_, i) => ({ name: `x${i}`, datatype: "FP32", shape: [1] })) }, /inputs must be an array of at most 1024 entries/],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => (typeof input === "string" ? parseModelFile(input, "m") : parse(input)), message, JSON.stringify(input).slice(0, 80));
    }
  });
});
