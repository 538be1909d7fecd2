// The worked example of Kitex's retry docs (specs/kitex.md 6.6), against a real Weir gRPC server:
// the first attempt takes 1200 ms, later ones 900 ms; RPC timeout 1000 ms; 2 retries; delay 200 ms.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, RpcError, createClient } from "../../src/index.js";
import { createGrpcTransport } from "../../src/transport/index.js";
import { retry, timeout, type RetryPolicy } from "../../src/governance/index.js";
import { Work, startWork, type Running } from "./fixture.js";

describe("retry: the published worked example", () => {
  let srv: Running;
  const transport = () => createGrpcTransport({ target: srv.address });
  const transports: ReturnType<typeof transport>[] = [];

  before(async () => {
    srv = await startWork("example", {
      behaviour: { delayMs: (req, ctx) => (req.text === "warm" ? 0 : ctx.requestMetadata.has("rpc-persist-retryreq") ? 900 : 1200) },
    });
  });
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await srv.server.close({ graceMs: 0 });
  });

  async function timed(policy: RetryPolicy): Promise<{ ms: number; error?: RpcError; attempt?: string }> {
    const t = transport();
    transports.push(t);
    const client = createClient(Work, t, { middleware: [retry({ methods: { Do: policy } }), timeout({ timeoutMs: 1000 })] });
    await client.Do({ text: "warm" }); // connection up before timing
    const start = performance.now();
    try {
      const reply = await client.Do({ text: "x" });
      return { ms: performance.now() - start, attempt: reply.attempt ?? "" };
    } catch (e) {
      return { ms: performance.now() - start, error: e as RpcError };
    }
  }

  const within = (ms: number, expected: number, t?: { diagnostic(m: string): void }) => { t?.diagnostic(`took ${ms.toFixed(0)}ms (expected ${expected}ms ±10%)`); assert.ok(Math.abs(ms - expected) <= expected * 0.1, `took ${ms.toFixed(0)}ms, expected ${expected}ms ±10%`); };

  it("mixed retry succeeds at about 1100 ms (delay + 900)", async (t) => {
    const r = await timed({ type: "mixed", delayMs: 200, maxRetries: 2 });
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.attempt, "1");
    within(r.ms, 1100, t);
  });

  it("failure retry succeeds at about 1900 ms (timeout + 900)", async (t) => {
    const r = await timed({ type: "failure", maxRetries: 2 });
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.attempt, "1");
    within(r.ms, 1900, t);
  });

  it("backup request fails at about 1000 ms with the first attempt's timeout", async (t) => {
    const r = await timed({ type: "backup", delayMs: 200, maxRetries: 2 });
    assert.equal(r.error?.code, Code.DeadlineExceeded, String(r.error));
    within(r.ms, 1000, t);
  });
});
