import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Code, RpcError } from "../../../core/index.js";
import { shippedTinyGptDir } from "./shipped.js";
import { loadTokenizer, type LmTokenizer } from "./tokenizer.js";

interface Reference { tokenized: { text: string; ids: number[] }[] }
const dir = shippedTinyGptDir();
const reference = JSON.parse(readFileSync(path.join(dir, "reference.json"), "utf8")) as Reference;

describe("tokenizer.json through @huggingface/tokenizers", () => {
  let tok: LmTokenizer;
  let scratch: string;
  before(async () => {
    tok = await loadTokenizer(dir);
    scratch = await mkdtemp(path.join(tmpdir(), "weir-tok-"));
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  it("gives the ids the training script's Python tokenizer gives, on every sample text", () => {
    assert.ok(reference.tokenized.length >= 5);
    for (const { text, ids } of reference.tokenized) assert.deepEqual(tok.encode(text), ids, JSON.stringify(text));
  });

  it("decodes back to the text (the end-of-text token is skipped)", () => {
    for (const { text } of reference.tokenized) assert.equal(tok.decode(tok.encode(text)), text.replace("<|endoftext|>", ""));
  });

  it("streams text as a whole decode gives it, holding back a character split across tokens", () => {
    for (const { text, ids } of reference.tokenized) {
      const d = tok.decoder();
      let out = "";
      for (const id of ids) {
        const piece = d.push(id);
        assert.ok(!piece.includes("\uFFFD"), `a broken character in ${JSON.stringify(piece)}`);
        out += piece;
      }
      assert.equal(out + d.flush(), tok.decode(ids));
    }
  });

  it("knows the end-of-text token and the vocabulary size", () => {
    const config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as { vocab_size: number; eos_token_id: number };
    assert.equal(tok.idOf("<|endoftext|>"), config.eos_token_id);
    assert.equal(tok.vocabSize, config.vocab_size);
  });

  it("refuses a folder without tokenizer.json (NOT_FOUND) or with a broken one (INVALID_ARGUMENT), naming the file", async () => {
    const file = path.join(scratch, "tokenizer.json");
    await assert.rejects(loadTokenizer(scratch), (e: unknown) => e instanceof RpcError && e.code === Code.NotFound && e.message.includes(file));
    await writeFile(file, "{ not json");
    await assert.rejects(loadTokenizer(scratch), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && e.message.includes(file));
    await writeFile(file, JSON.stringify({ model: { type: "NoSuchModel" } }));
    await assert.rejects(loadTokenizer(scratch), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && e.message.includes(file));
  });
});
