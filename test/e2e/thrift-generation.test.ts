// A generation over Thrift on `weir serve`'s model port (framed and Kitex TTHeader): a client that
// goes away mid-call stops the engine within one token, read from /metrics (as a closed tab does
// over HTTP).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, RpcError } from "../../src/core/index.js";
import { createClient } from "../../src/rpc/index.js";
import { generationThriftDescriptor } from "../../src/serving/index.js";
import { createThriftTransport } from "../../src/transport/thrift/client.js";
import { assertStoppedWithinOneToken, sample, untilActive } from "./engine-metrics.js";
import { startServeProcess, type ServeProcess } from "./serve-process.js";

describe("Generation over Thrift on weir serve: a client gone mid-call stops the engine", { timeout: 60_000 }, () => {
  let serve: ServeProcess;
  before(async () => { serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=10"] }); });
  after(async () => { await serve?.stop(); });

  for (const kind of ["framed", "ttheader"] as const) {
    it(`${kind}: Complete aborted by its client stops the engine within one token`, async () => {
      const transport = createThriftTransport({ target: serve.rpcAddress, transport: kind });
      try {
        const client = createClient(generationThriftDescriptor(), transport);
        const ac = new AbortController();
        const pending = client.Complete({ req: { prompt: "The river", max_tokens: 2000, temperature: 0 } } as never, { signal: ac.signal });
        pending.catch(() => {}); // judged below
        const running = await untilActive(serve.httpUrl);
        assert.equal(running.active, 1);
        ac.abort();
        await assert.rejects(pending, (e: unknown) => e instanceof RpcError && e.code === Code.Canceled);
        const atAbort = await sample(serve.httpUrl);
        await assertStoppedWithinOneToken(serve.httpUrl, atAbort, `Thrift ${kind}`);
      } finally {
        await transport.close();
      }
    });
  }
});
