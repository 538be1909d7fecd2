// `weir serve`'s /healthz: alive when the model server answers ListModels, and also when it
// answers that it is busy (RESOURCE_EXHAUSTED): a busy server must not be restarted. Gone: 503.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createGateway } from "../../gateway/index.js";
import { rateLimit } from "../../governance/index.js";
import { createMetrics } from "../../observability/metrics/index.js";
import { createClient } from "../../rpc/index.js";
import { createBuiltinEngine, createGenerationService, generationDescriptor } from "../../serving/index.js";
import { createGrpcTransport, createServer } from "../../transport/index.js";
import { createApp } from "./app.js";
import { InFlight } from "./in-flight.js";
import { loadPage } from "./page.js";

describe("weir serve /healthz", { timeout: 30_000 }, () => {
  it("200 ok, 200 busy when the model server answers RESOURCE_EXHAUSTED, 503 once it is gone", async () => {
    const engine = await createBuiltinEngine();
    const model = createServer({ middleware: [rateLimit({ qps: 1e6, methods: { ListModels: 0.01 } })] })
      .service(generationDescriptor(), createGenerationService({ engines: [engine] }));
    const { port } = await model.listen({ host: "127.0.0.1", port: 0 });
    const transport = createGrpcTransport({ target: `127.0.0.1:${port}`, maxConnections: 1 });
    const gateway = createGateway({ routes: [] });
    const app = createApp({ client: createClient(generationDescriptor(), transport), metrics: createMetrics(), page: loadPage(), inFlight: new InFlight(), gateway, healthTimeoutMs: 1000 });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    try {
      const ok = await fetch(url);
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { status: string }).status, "ok");
      const busy = await fetch(url); // the rate limit allows one ListModels a long while
      assert.equal(busy.status, 200);
      const body = (await busy.json()) as { status: string; error: { code: number; message: string } };
      assert.equal(body.status, "busy");
      assert.equal(body.error.code, 8, "RESOURCE_EXHAUSTED");
      assert.match(body.error.message, /rate limit/);
      await model.close({ graceMs: 0 });
      const gone = await fetch(url);
      assert.equal(gone.status, 503);
      assert.equal(((await gone.json()) as { status: string }).status, "unavailable");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await transport.close();
      await model.close({ graceMs: 0 });
    }
  });
});
