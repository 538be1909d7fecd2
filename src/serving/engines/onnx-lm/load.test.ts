import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Code } from "../../../core/index.js";
import { rejectsWith } from "../../../../test/helpers/rpc.js";
import { modelPath } from "../../../../test/models/models.js";
import { createOnnxLmSteppedModel } from "./model.js";
import { shippedTinyGptDir } from "./shipped.js";

const shipped = shippedTinyGptDir();

describe("loading an ONNX language model folder: clear errors naming the file", () => {
  let scratch: string;
  let n = 0;
  /** A copy of the shipped folder with `change` applied. */
  async function folder(change: (dir: string) => Promise<void>): Promise<string> {
    const dir = path.join(scratch, String(n++));
    await mkdir(dir);
    for (const f of ["model.onnx", "tokenizer.json", "config.json"]) await copyFile(path.join(shipped, f), path.join(dir, f));
    await change(dir);
    return dir;
  }
  before(async () => { scratch = await mkdtemp(path.join(tmpdir(), "weir-lm-")); });
  after(() => rm(scratch, { recursive: true, force: true }));

  it("a missing tokenizer.json is NOT_FOUND", async () => {
    const dir = await folder((d) => rm(path.join(d, "tokenizer.json")));
    const e = await rejectsWith(createOnnxLmSteppedModel(dir), Code.NotFound);
    assert.match(e.message, /tokenizer\.json/);
  });

  it("a tokenizer with more tokens than the model's vocabulary is INVALID_ARGUMENT", async () => {
    const dir = await folder(async (d) => {
      const file = path.join(d, "tokenizer.json");
      const json = JSON.parse(await readFile(file, "utf8")) as { added_tokens: object[] };
      json.added_tokens.push({ id: 5000, content: "<|extra|>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
      await writeFile(file, JSON.stringify(json));
    });
    const e = await rejectsWith(createOnnxLmSteppedModel(dir), Code.InvalidArgument, /does not match the model: it has 5001 tokens, the model's vocabulary 2257/);
    assert.ok(e.message.includes(path.join(dir, "tokenizer.json")));
  });

  it("an ONNX file without the decoder's inputs is INVALID_ARGUMENT naming the file and the input", async () => {
    const dir = await folder((d) => copyFile(modelPath("encoder"), path.join(d, "model.onnx")));
    const e = await rejectsWith(createOnnxLmSteppedModel(dir), Code.InvalidArgument, /has no input position_ids/);
    assert.ok(e.message.includes(path.join(dir, "model.onnx")));
  });

  it("a missing model.onnx is NOT_FOUND, and a config.json without a context length INVALID_ARGUMENT", async () => {
    await rejectsWith(createOnnxLmSteppedModel(await folder((d) => rm(path.join(d, "model.onnx")))), Code.NotFound, /model\.onnx/);
    const dir = await folder((d) => writeFile(path.join(d, "config.json"), JSON.stringify({ eos_token_id: 2256 })));
    await rejectsWith(createOnnxLmSteppedModel(dir), Code.InvalidArgument, /config\.json gives no context length/);
  });
});
