// The generation service on Weir's gRPC server, called by @grpc/grpc-js (a real peer) with the
// .proto file loaded by @grpc/proto-loader.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createServer, type Server } from "../../transport/index.js";
import { createBuiltinEngine, EngineStats, trackGenerations, type Engine, type TrackedEngine } from "../engines/index.js";
import { generationIdlPath, generationDescriptor } from "./descriptor.js";
import { createGenerationService } from "./service.js";
import { within } from "../../../test/helpers/wait.js";

interface GenerationClient {
  Generate(req: object): grpc.ClientReadableStream<Chunk>;
  Complete(req: object, cb: (err: grpc.ServiceError | null, res: { text: string; token_ids: number[] }) => void): void;
  close(): void;
}
/** An engine whose first step comes `ms` late (a long queue, a slow first token); validation is the engine's own. */
function lateStart(engine: Engine, id: string, ms: number): Engine {
  const late: Engine = Object.create(engine);
  late.info = () => ({ ...engine.info(), id });
  late.generate = (req, o) => {
    const steps = engine.generate(req, o);
    return (async function* () {
      await sleep(ms);
      yield* steps;
    })();
  };
  return late;
}

type Chunk = { text: string; token_ids: number[]; finish_reason: string; usage: { completion_tokens: number } | null; index: number };

describe("Generation over gRPC, called from grpc-js", { timeout: 30_000 }, () => {
  let server: Server;
  let client: GenerationClient;
  let stats: EngineStats;
  let paced: TrackedEngine;

  before(async () => {
    stats = new EngineStats();
    const fast = await createBuiltinEngine({ id: "fast" });
    paced = trackGenerations(await createBuiltinEngine({ id: "paced", tokensPerSecond: 200, stats }));
    const engines = [fast, paced, lateStart(fast, "late", 600)];
    server = createServer().service(generationDescriptor(), createGenerationService({ engines }));
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    const def = protoLoader.loadSync(generationIdlPath("proto"), { keepCase: true, longs: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { weir: { generation: { v1: { Generation: grpc.ServiceClientConstructor } } } };
    client = new pkg.weir.generation.v1.Generation(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as GenerationClient;
  });
  after(async () => {
    client?.close();
    await server?.close({ graceMs: 100 });
  });

  it("streams a generation that matches Complete", async () => {
    const req = { prompt: "The kitchen", max_tokens: 30, seed: "5", temperature: 0.9 };
    const chunks: Chunk[] = [];
    const call = client.Generate(req);
    for await (const c of call) chunks.push(c as Chunk);
    const whole = await new Promise<{ text: string; token_ids: number[] }>((resolve, reject) =>
      client.Complete(req, (err, res) => (err ? reject(err) : resolve(res))));
    assert.equal(chunks.map((c) => c.text).join(""), whole.text);
    assert.deepEqual(chunks.flatMap((c) => c.token_ids), whole.token_ids);
    const last = chunks[chunks.length - 1]!;
    assert.ok(["stop", "length"].includes(last.finish_reason));
    assert.equal(last.usage!.completion_tokens, whole.token_ids.length);
  });

  it("a grpc-js cancel stops the engine within one token", async () => {
    const call = client.Generate({ model: "paced", prompt: "The river", temperature: 0, max_tokens: 2000 });
    let seen = 0;
    let atCancel = 0;
    const status = await within(new Promise<grpc.StatusObject>((resolve) => {
      call.on("data", () => {
        if (++seen === 5) {
          atCancel = stats.generatedTokens;
          call.cancel();
        }
      });
      call.on("error", () => {});
      call.on("status", resolve);
    }), "the cancelled call's status");
    assert.equal(status.code, grpc.status.CANCELLED);
    // The server learns of the cancel from an RST_STREAM, aborts the call's signal, and the engine stops.
    await paced.ended[paced.ended.length - 1];
    assert.equal(stats.activeSequences, 0);
    const afterServerAbort = stats.generatedTokens - paced.tokensAtAbort[paced.tokensAtAbort.length - 1]!;
    assert.ok(afterServerAbort <= 1, `${afterServerAbort} tokens after the server saw the cancel`);
    assert.ok(stats.generatedTokens - atCancel <= 3, `${stats.generatedTokens - atCancel} tokens after the client's cancel`);
  });

  it("answers INVALID_ARGUMENT and NOT_FOUND with gRPC status codes", async () => {
    const codeOf = (req: object) => new Promise<number>((resolve) =>
      client.Complete(req, (err) => resolve(err ? err.code : 0)));
    assert.equal(await codeOf({ prompt: "x", temperature: 9 }), grpc.status.INVALID_ARGUMENT);
    assert.equal(await codeOf({ model: "nope", prompt: "x" }), grpc.status.NOT_FOUND);
  });

  it("sends the response headers once the request is valid, before the first token; a bad request gets none", async () => {
    const timeline = (req: object) => within(new Promise<{ headersAt?: number; firstAt?: number; code: number }>((resolve) => {
      const start = performance.now();
      const t: { headersAt?: number; firstAt?: number } = {};
      const call = client.Generate(req) as grpc.ClientReadableStream<Chunk> & NodeJS.EventEmitter;
      call.on("metadata", () => (t.headersAt = performance.now() - start));
      call.on("data", () => (t.firstAt ??= performance.now() - start));
      call.on("error", () => {});
      call.on("status", (s: grpc.StatusObject) => resolve({ ...t, code: s.code }));
    }), "the call's status");
    const ok = await timeline({ model: "late", prompt: "The river", max_tokens: 3 });
    assert.equal(ok.code, grpc.status.OK);
    assert.ok(ok.headersAt !== undefined && ok.firstAt !== undefined && ok.firstAt >= 550, JSON.stringify(ok));
    assert.ok(ok.firstAt - ok.headersAt >= 400, `headers ${ok.headersAt} ms, first chunk ${ok.firstAt} ms: headers come before the (late) first token`);
    const bad = await timeline({ model: "late", prompt: "x", temperature: 9 });
    assert.equal(bad.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(bad.headersAt, undefined, "a refused request is answered with trailers only");
  });
});
