// The transformer refuses hostile input with 400/404/405/413 and a JSON error, before calling the
// predictor, and keeps serving; bad command lines exit with status 2.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { programPath, type ChildServer } from "./processes.js";
import { assertRefused, baseUrl, call, startPredictorProcess, startTransformerProcess } from "./test-fixtures.js";

describe("transformer: bad input", { timeout: 120_000 }, () => {
  let predictor: ChildServer;
  let transformer: ChildServer;
  let url: string;
  const predict = (body: unknown, model = "encoder") => call(`${url}/v1/models/${model}:predict`, { body });
  const v2 = (inputs: unknown[], model = "encoder") => call(`${url}/v2/models/${model}/infer`, { body: { inputs } });

  before(async () => {
    predictor = await startPredictorProcess();
    transformer = await startTransformerProcess(predictor, "grpc-v2");
    url = baseUrl(transformer);
  });
  after(async () => {
    await transformer?.stop();
    await predictor?.stop();
  });

  it("V1: no instances, too many, not strings, empty or huge texts, bad JSON are 400", async () => {
    assertRefused(await predict({}), 400, /no instances/);
    assertRefused(await predict({ instances: "text" }), 400, /no instances/);
    assertRefused(await predict({ instances: [] }), 400, /no instances/);
    assertRefused(await predict({ instances: Array(9).fill("a") }), 400, /9 instances, more than the limit of 8/);
    assertRefused(await predict({ instances: ["ok", 1] }), 400, /instance 1 is number, not a string/);
    assertRefused(await predict({ instances: [null] }), 400, /instance 0 is null/);
    assertRefused(await predict({ instances: [{ text: "a" }] }), 400, /instance 0 is object/);
    assertRefused(await predict({ instances: [""] }), 400, /empty/);
    assertRefused(await predict({ instances: ["a".repeat(16_385)] }), 400, /16385 characters, more than the limit of 16384/);
    assertRefused(await predict({ instances: ["a"], parameters: { return_token_ids: "yes" } }), 400, /return_token_ids/);
    assertRefused(await predict([]), 400, /JSON object/);
    assertRefused(await call(`${url}/v1/models/encoder:predict`, { raw: '{"instances": [' }), 400, /not valid JSON/);
  });

  it("V1: a body over 1 MiB is 413, an unknown model 404, a wrong method 405", async () => {
    assertRefused(await call(`${url}/v1/models/encoder:predict`, { raw: JSON.stringify({ instances: ["a".repeat((1 << 20) + 10)] }) }), 413, /exceeds the limit/);
    assertRefused(await predict({ instances: ["a"] }, "mlp"), 404, /no model mlp/);
    assertRefused(await call(`${url}/v1/models/encoder:predict`), 405, /use POST/);
  });

  it("V2: a wrong datatype or shape, too many texts, an unknown model are refused; the repository extension is off", async () => {
    assertRefused(await v2([{ name: "TEXT", datatype: "INT64", shape: [1], data: [1] }]), 400, /is BYTES, got INT64/);
    assertRefused(await v2([{ name: "TEXT", datatype: "BYTES", shape: [1, 1], data: ["a"] }]), 400, /shape/);
    assertRefused(await v2([{ name: "TEXT", datatype: "BYTES", shape: [9], data: Array(9).fill("a") }]), 400, /more than the limit of 8/);
    assertRefused(await v2([{ name: "TEXT", datatype: "BYTES", shape: [1], data: ["a"] }], "mlp"), 404, /mlp/);
    assertRefused(await call(`${url}/v2/repository/models/encoder/unload`, { body: {} }), 404, /no endpoint/);
  });

  it("still serves after all of it", async () => {
    const r = await predict({ instances: ["still here"] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });

  it("a bad command line exits with 2 and says what is wrong", () => {
    const run = (args: string[]) => spawnSync(process.execPath, [programPath("transformer"), ...args], { encoding: "utf8", timeout: 20_000 });
    const cases: [string[], RegExp][] = [
      [["--predictor-protocol", "v2"], /--predictor-host is required/],
      [["--predictor-host", "127.0.0.1:1", "--predictor-protocol", "v1"], /--predictor-protocol must be one of v2, v2-binary, grpc-v2/],
      [["--predictor-host", "nowhere", "--predictor-protocol", "v2"], /--predictor-host must be host:port/],
      [["--predictor-host", "127.0.0.1:1", "--predictor-protocol", "v2", "--max-seq-len", "0"], /--max-seq-len must be an integer from 1/],
      [["--predictor-host", "127.0.0.1:1", "--predictor-protocol", "v2", "--enable-latency-logging", "maybe"], /must be true or false/],
      [["--predictor-host", "127.0.0.1:1", "--predictor-protocol", "v2", "--bogus"], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
