import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import protobuf from "protobufjs";
import { Code, RpcError } from "../../core/index.js";
import { loadThriftIdl } from "../../idl/thrift/index.js";
import { Router, createClient, createInProcessTransport, type Client } from "../../rpc/index.js";
import { createBuiltinEngine, EngineStats, trackGenerations, type Engine, type TrackedEngine } from "../engines/index.js";
import { generationIdlPath, generationDescriptor, generationThriftDescriptor } from "./descriptor.js";
import { createGenerationService } from "./service.js";
import type { GenerateChunkMsg, GenerationMethods } from "./types.js";

const LOOPING = { prompt: "The river", temperature: 0 };

describe("Generation service over the in-process transport", { timeout: 30_000 }, () => {
  let stats: EngineStats;
  let fast: Engine;
  let paced: TrackedEngine;
  let client: Client<GenerationMethods>;

  before(async () => {
    stats = new EngineStats();
    fast = await createBuiltinEngine({ id: "fast", stats });
    paced = trackGenerations(await createBuiltinEngine({ id: "paced", tokensPerSecond: 200, stats }));
    const router = new Router().service(generationDescriptor(), createGenerationService({ engines: [fast, paced] }));
    client = createClient(generationDescriptor(), createInProcessTransport(router));
  });

  it("streams chunks whose text, tokens and usage add up, and Complete agrees", async () => {
    const req = { prompt: "Spring comes", max_tokens: 40, seed: 11, temperature: 0.8, stop: ["zzz"] };
    const chunks: GenerateChunkMsg[] = [];
    for await (const c of client.Generate(req)) chunks.push(c);
    assert.deepEqual(chunks.map((c) => c.index), chunks.map((_, i) => i));
    const lastChunk = chunks[chunks.length - 1]!;
    assert.ok(["stop", "length"].includes(lastChunk.finish_reason));
    assert.ok(chunks.slice(0, -1).every((c) => c.finish_reason === "" && !c.usage));
    const tokens = chunks.flatMap((c) => c.token_ids);
    const text = chunks.map((c) => c.text).join("");
    assert.equal(lastChunk.usage!.completion_tokens, tokens.length);
    assert.equal(lastChunk.usage!.prompt_tokens, fast.countTokens("Spring comes"));
    assert.equal(lastChunk.usage!.total_tokens, lastChunk.usage!.prompt_tokens + tokens.length);
    assert.equal(fast.detokenize(tokens), text);
    const whole = await client.Complete(req);
    assert.equal(whole.text, text);
    assert.deepEqual(whole.token_ids, tokens);
    assert.equal(whole.finish_reason, lastChunk.finish_reason);
    assert.equal(whole.model, "fast");
  });

  it("serves chat messages and a chosen model, with max tokens", async () => {
    const r = await client.Complete({ model: "paced", messages: [{ role: "user", content: "Hello" }], max_tokens: 3, temperature: 0 });
    assert.equal(r.model, "paced");
    assert.ok(r.token_ids.length <= 3);
    const seeded = { prompt: "Winter", max_tokens: 30, seed: "9007199254740993" };
    assert.equal((await client.Complete(seeded)).text, (await client.Complete(seeded)).text); // a 64-bit seed survives the codec
    const loop = await client.Complete({ ...LOOPING, max_tokens: 7 });
    assert.equal(loop.finish_reason, "length");
    assert.equal(loop.usage.completion_tokens, 7);
  });

  it("lists the models", async () => {
    const { models } = await client.ListModels({});
    assert.deepEqual(models.map((m) => m.id), ["fast", "paced"]);
    assert.ok(models.every((m) => m.context_length === 8192 && m.owned_by === "weir" && /trigram/.test(m.description)));
  });

  it("answers NOT_FOUND for an unknown model and INVALID_ARGUMENT for bad sampling values", async () => {
    await assert.rejects(client.Complete({ model: "gpt-9", prompt: "x" }), (e: unknown) => e instanceof RpcError && e.code === Code.NotFound);
    const bad = [{ temperature: 3 }, { top_p: 1.5 }, { max_tokens: 0 }, { stop: ["a", "b", "c", "d", "e"] }];
    for (const b of bad) {
      await assert.rejects(async () => { for await (const _ of client.Generate({ prompt: "x", ...b })) { /* none */ } },
        (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument, JSON.stringify(b));
    }
  });

  it("a client that cancels stops the engine within one token", async () => {
    const controller = new AbortController();
    let chunks = 0;
    let atAbort = -1;
    await assert.rejects(async () => {
      for await (const _ of client.Generate({ model: "paced", ...LOOPING, max_tokens: 1000 }, { signal: controller.signal })) {
        if (++chunks === 5) {
          atAbort = stats.generatedTokens;
          controller.abort();
        }
      }
    }, (e: unknown) => e instanceof RpcError && e.code === Code.Canceled);
    await paced.ended[paced.ended.length - 1];
    assert.ok(stats.generatedTokens - atAbort <= 1, `${stats.generatedTokens - atAbort} tokens after the abort`);
    assert.equal(stats.activeSequences, 0);
  });

  it("a deadline stops the engine too", async () => {
    const before = stats.generatedTokens;
    await assert.rejects(async () => {
      for await (const _ of client.Generate({ model: "paced", ...LOOPING, max_tokens: 1000 }, { timeoutMs: 100 })) { /* read */ }
    }, (e: unknown) => e instanceof RpcError && e.code === Code.DeadlineExceeded);
    await paced.ended[paced.ended.length - 1];
    const produced = stats.generatedTokens - before;
    assert.ok(produced >= 1, "nothing was generated before the deadline");
    const afterAbort = stats.generatedTokens - paced.tokensAtAbort[paced.tokensAtAbort.length - 1]!;
    assert.ok(afterAbort <= 1, `${afterAbort} tokens after the deadline`);
    assert.equal(stats.activeSequences, 0);
  });
});

describe("Generation service from the Thrift IDL, same handler", { timeout: 30_000 }, () => {
  it("serves Generate, Complete and ListModels with Thrift binary payloads", async () => {
    const engine = await createBuiltinEngine({ id: "thrift-model" });
    const impl = createGenerationService({ engines: [engine] });
    const router = new Router().service(generationDescriptor(), impl).service(generationThriftDescriptor(), impl);
    const transport = createInProcessTransport(router);
    const thrift = createClient(generationThriftDescriptor(), transport);
    const proto = createClient(generationDescriptor(), transport);
    assert.equal(generationThriftDescriptor().methods.Generate.kind, "server");
    const req = { prompt: "The library", max_tokens: 30, seed: 77, temperature: 0.7 };
    const chunks: GenerateChunkMsg[] = [];
    for await (const c of thrift.Generate({ ...req, seed: 77n } as never)) chunks.push(c);
    const viaProto = await proto.Complete(req);
    assert.equal(chunks.map((c) => c.text).join(""), viaProto.text);
    assert.equal(chunks[chunks.length - 1]!.usage!.completion_tokens, viaProto.token_ids.length);
    // Unary Thrift methods take their _args struct: { req: GenerateRequest }.
    const whole = await thrift.Complete({ req: { ...req, seed: 77n } } as never);
    assert.equal(whole.text, viaProto.text);
    assert.deepEqual(whole.token_ids, viaProto.token_ids);
    const models = await thrift.ListModels({ req: {} } as never);
    assert.equal(models.models[0]!.id, "thrift-model");
    assert.equal(BigInt(models.models[0]!.created as bigint), BigInt(engine.info().created));
  });
});

describe("generation IDL", () => {
  it("gives the .thrift file the .proto file's structs, field ids and names", () => {
    const root = new protobuf.Root().loadSync(generationIdlPath("proto"), { keepCase: true });
    const idl = loadThriftIdl(generationIdlPath("thrift"));
    const structs = new Map(idl.root.structs.map((st) => [st.name, new Map(st.fields.map((f) => [f.id, f.name]))]));
    const pkg = root.lookup("weir.generation.v1") as protobuf.Namespace;
    const messages = pkg.nestedArray.filter((o): o is protobuf.Type => o instanceof protobuf.Type);
    assert.equal(structs.size, messages.length);
    for (const type of messages) {
      const fields = structs.get(type.name);
      assert.ok(fields, `struct ${type.name} missing from the .thrift file`);
      assert.deepEqual([...fields].sort(), type.fieldsArray.map((f) => [f.id, f.name] as [number, string]).sort(), type.name);
    }
    const fns = idl.service("Generation").functions.map((f) => [f.name, f.streamingMode]);
    assert.deepEqual(fns, [["Generate", "server"], ["Complete", "none"], ["ListModels", "none"]]);
  });
});
