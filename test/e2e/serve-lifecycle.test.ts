// `weir serve` as a process: `npm start -- flags` passes the flags through; the model server port
// speaks gRPC to grpc-js; SIGTERM drains streams in flight, then cuts what outlives --grace-ms.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { readSse, type SseMessage } from "../../src/http/index.js";
import { generationIdlPath } from "../../src/serving/index.js";
import { freePort, startServeProcess } from "./serve-process.js";

type ListModels = (req: object, cb: (err: grpc.ServiceError | null, res: { models: { id: string }[] }) => void) => void;

async function listModelsOverGrpc(address: string): Promise<string[]> {
  const def = protoLoader.loadSync(generationIdlPath("proto"), { keepCase: true, longs: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { weir: { generation: { v1: { Generation: grpc.ServiceClientConstructor } } } };
  const client = new pkg.weir.generation.v1.Generation(address, grpc.credentials.createInsecure()) as unknown as { ListModels: ListModels; close(): void };
  try {
    return await new Promise((resolve, reject) => client.ListModels({}, (err, res) => (err ? reject(err) : resolve(res.models.map((m) => m.id)))));
  } finally {
    client.close();
  }
}

/** Open an SSE generation and return its event iterator once the first chunk arrived. */
async function openStream(httpUrl: string, maxTokens: number): Promise<{ first: SseMessage; rest: AsyncIterator<SseMessage> }> {
  const res = await fetch(`${httpUrl}/api/generate?prompt=The%20town&temperature=0&max_tokens=${maxTokens}`);
  assert.equal(res.status, 200);
  const rest = readSse(res.body!)[Symbol.asyncIterator]();
  const first = await rest.next();
  assert.equal(first.done, false);
  return { first: first.value as SseMessage, rest };
}

async function drainEvents(rest: AsyncIterator<SseMessage>): Promise<{ events: SseMessage[]; broken: boolean }> {
  const events: SseMessage[] = [];
  try {
    for (let r = await rest.next(); !r.done; r = await rest.next()) events.push(r.value);
    return { events, broken: false };
  } catch {
    return { events, broken: true };
  }
}

describe("weir serve as a process", { timeout: 120_000 }, () => {
  it("npm start -- --http-port=H --rpc-port=R serves on H and R", async () => {
    const [h, r] = [await freePort(), await freePort()];
    const serve = await startServeProcess({ viaNpm: true, args: [`--http-port=${h}`, `--rpc-port=${r}`], readyTimeoutMs: 90_000 });
    try {
      assert.equal(serve.httpUrl, `http://127.0.0.1:${h}`);
      assert.equal(serve.rpcAddress, `127.0.0.1:${r}`);
      const health = await fetch(`${serve.httpUrl}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
      assert.deepEqual(await listModelsOverGrpc(serve.rpcAddress), ["weir-ngram"]);
    } finally {
      await serve.stop();
    }
  });

  it("SIGTERM lets a stream in flight finish, refuses new connections, and exits 0", async () => {
    const serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=40", "--grace-ms=10000"] });
    try {
      const { rest } = await openStream(serve.httpUrl, 20);
      process.kill(serve.child.pid!, "SIGTERM");
      const { events, broken } = await drainEvents(rest);
      assert.equal(broken, false);
      assert.equal(events.at(-1)?.event, "done");
      const last = JSON.parse(events.at(-2)!.data) as { finish_reason: string; usage: { completion_tokens: number } };
      assert.equal(last.finish_reason, "length");
      assert.equal(last.usage.completion_tokens, 20);
      assert.equal(await serve.exited(), 0);
      assert.match(serve.output(), /weir serve: SIGTERM\nweir serve: draining…\nweir serve: stopped\n/);
      await assert.rejects(fetch(`${serve.httpUrl}/healthz`));
    } finally {
      await serve.stop();
    }
  });

  it("a stream that outlives --grace-ms ends with an UNAVAILABLE error event and the process still exits 0", async () => {
    const serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=20", "--grace-ms=300"] });
    try {
      const { rest } = await openStream(serve.httpUrl, 4000);
      const signalled = Date.now();
      process.kill(serve.child.pid!, "SIGTERM");
      const { events, broken } = await drainEvents(rest);
      assert.equal(broken, false);
      assert.equal(events.at(-1)?.event, "error");
      assert.equal((JSON.parse(events.at(-1)!.data) as { status: string }).status, "UNAVAILABLE");
      assert.ok(events.length < 200, `${events.length} events after SIGTERM`);
      assert.equal(await serve.exited(), 0);
      assert.ok(Date.now() - signalled < 5000, "shutdown took longer than the grace period allows");
    } finally {
      await serve.stop();
    }
  });
});
