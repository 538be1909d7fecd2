import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { cl100kTokenizer } from "../engines/builtin/tokenizer.js";
import { tensor } from "../tensor.js";
import { tokenizerModel } from "./tokenizer.js";

const ctx = { signal: new AbortController().signal, parameters: {}, outputs: undefined };
const texts = (...s: string[]) => tensor("TEXT", "BYTES", [s.length], s.map((x) => new TextEncoder().encode(x)));

describe("tokenizer model", () => {
  it("gives each text's cl100k tokens, padded to the longest, with a mask of 1s over the tokens", async () => {
    const [ids, mask] = await tokenizerModel().infer([texts("Hello world", "The river runs past")], ctx);
    const a = cl100kTokenizer.encode("Hello world"), b = cl100kTokenizer.encode("The river runs past");
    assert.deepEqual(ids!.shape, [2, b.length]);
    assert.deepEqual([...(ids!.data as BigInt64Array)].map(Number), [...a, ...Array(b.length - a.length).fill(0), ...b]);
    assert.deepEqual([...(mask!.data as BigInt64Array)].map(Number), [...a.map(() => 1), ...Array(b.length - a.length).fill(0), ...b.map(() => 1)]);
  });

  it("cuts texts at maxSequenceLength, and refuses texts that are too long or not UTF-8", async () => {
    const model = tokenizerModel({ maxSequenceLength: 4, maxTextChars: 100 });
    const [ids] = await model.infer([texts("one two three four five six")], ctx);
    assert.deepEqual(ids!.shape, [1, 4]);
    const invalid = (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument;
    await assert.rejects(async () => model.infer([texts("x".repeat(101))], ctx), invalid);
    await assert.rejects(async () => model.infer([tensor("TEXT", "BYTES", [1], [new Uint8Array([0xff, 0xfe])])], ctx), invalid);
  });

  it("answers an empty batch with empty tensors", async () => {
    const [ids] = await tokenizerModel().infer([tensor("TEXT", "BYTES", [0], [])], ctx);
    assert.deepEqual(ids!.shape, [0, 0]);
  });
});
