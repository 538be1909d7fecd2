// Retry behaviour against real Weir gRPC servers.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Code, RpcError, createClient, type ClientTransport, type Middleware, type ClientCallContext } from "../../src/index.js";
import { createGrpcTransport } from "../../src/transport/index.js";
import {
  chainStop, createBalancedTransport, downstream, retry, staticResolver, timeout, weightedRoundRobin, type RetryOptions,
} from "../../src/governance/index.js";
import { Work, startWork, type Running, type WorkRequest } from "./fixture.js";

const running: Running[] = [];
const transports: ClientTransport[] = [];
after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(running.map((r) => r.server.close({ graceMs: 0 })));
});

async function server(name: string, b: Parameters<typeof startWork>[1] = {}): Promise<Running> {
  const r = await startWork(name, b);
  running.push(r);
  return r;
}

function client(target: string | ClientTransport, options: RetryOptions, extra: Middleware<ClientCallContext>[] = []) {
  const t = typeof target === "string" ? createGrpcTransport({ target }) : target;
  transports.push(t);
  return createClient(Work, t, { middleware: [retry(options), ...extra] });
}

const firstAttempt = (code: Code) => (_: WorkRequest, ctx: { requestMetadata: { has(k: string): boolean } }) =>
  ctx.requestMetadata.has("rpc-persist-retryreq") ? undefined : code;

describe("retry", () => {
  it("retries an idempotent method on UNAVAILABLE, marking the retry", async () => {
    const s = await server("a", { behaviour: { failCode: firstAttempt(Code.Unavailable) } });
    const reply = await client(s.address, { policy: { type: "failure" } }).Do({ text: "x" });
    assert.equal(reply.attempt, "1");
    assert.equal(s.behaviour.calls, 2);
  });

  it("does not retry a method that is neither idempotent nor configured", async () => {
    const s = await server("b", { behaviour: { failCode: Code.Unavailable } });
    await assert.rejects(client(s.address, { policy: { type: "failure" } }).Write({}), (e: RpcError) => e.code === Code.Unavailable);
    assert.equal(s.behaviour.calls, 1);
  });

  it("does not retry codes outside retryOn, and honours a result predicate", async () => {
    const s = await server("c", { behaviour: { failCode: firstAttempt(Code.InvalidArgument) } });
    await assert.rejects(client(s.address, { policy: { type: "failure" } }).Do({}), (e: RpcError) => e.code === Code.InvalidArgument);
    const s2 = await server("c2");
    let seen = 0;
    const c = client(s2.address, { policy: { type: "failure", shouldRetry: (r) => (r.response as { attempt?: string } | undefined)?.attempt === "" ? (seen++, true) : undefined } });
    assert.equal((await c.Do({})).attempt, "1");
    assert.equal(seen, 1);
  });

  it("sends the retry to another instance", async () => {
    const bad = await server("bad", { behaviour: { failCode: Code.Unavailable } });
    const good = await server("good");
    for (let i = 0; i < 4; i++) {
      const balanced = createBalancedTransport({
        resolver: staticResolver([bad.address, good.address]), balancer: weightedRoundRobin(), breaker: false,
        connect: (ep) => createGrpcTransport({ target: ep.address }),
      });
      const reply = await client(balanced, { policy: { type: "failure", maxRetries: 1 } }).Do({});
      assert.equal(reply.server, "good");
    }
  });

  it("chain stop: a call carrying the retry mark, or made while serving a retry, is not retried", async () => {
    const leaf = await server("leaf", { behaviour: { failCode: Code.Unavailable } });
    const c = client(leaf.address, { policy: { type: "failure" } });
    await assert.rejects(c.Do({}, { metadata: { "rpc-persist-retryreq": "1" } }), (e: RpcError) => e.code === Code.Unavailable);
    assert.equal(leaf.behaviour.calls, 1);
    const down = client(leaf.address, { policy: { type: "failure" } });
    const mid = await startWork("mid", { middleware: [chainStop()] });
    running.push(mid);
    // the mid server's handler calls the leaf; wrap its Do to forward
    const { createServer } = await import("../../src/transport/index.js");
    const relay = createServer({ health: false, reflection: false, middleware: [chainStop()] }).service(Work, {
      async Do(_req, ctx) {
        const r = await down.Do({}).catch((e: RpcError) => ({ text: `leaf said ${e.code}` }));
        const viaOptions = await down.Do({}, downstream(ctx)).catch((e: RpcError) => ({ text: `leaf said ${e.code}` }));
        return { text: `${r.text}/${viaOptions.text}` };
      },
    });
    const { port } = await relay.listen({ host: "127.0.0.1" });
    running.push({ server: relay, address: `127.0.0.1:${port}`, behaviour: { delayMs: 0, calls: 0 } });
    leaf.behaviour.calls = 0;
    const reply = await client(`127.0.0.1:${port}`, {}).Do({}, { metadata: { "rpc-persist-retryreq": "1" } });
    assert.equal(reply.text, "leaf said 14/leaf said 14");
    assert.equal(leaf.behaviour.calls, 2, "each leaf call was tried once");
  });

  it("retry circuit: stops retrying when errors pass 10% of at least 10 samples", async () => {
    const s = await server("flaky", { behaviour: { failCode: Code.Unavailable } });
    const c = client(s.address, { policy: { type: "failure", maxRetries: 1 } });
    let circuit = 0;
    for (let i = 0; i < 12; i++) {
      await c.Do({}).catch((e: RpcError) => { if (e.rawMessage.includes("retry circuit open")) circuit++; });
    }
    assert.ok(circuit >= 5, `retry circuit opened ${circuit} times`);
    assert.ok(s.behaviour.calls < 24, `server saw ${s.behaviour.calls} calls`);
  });

  it("stops at maxDurationMs and waits the fixed backoff", async () => {
    const s = await server("slowfail", { behaviour: { failCode: Code.Unavailable, delayMs: 60 } });
    const c = client(s.address, { policy: { type: "failure", maxRetries: 5, maxDurationMs: 100 } });
    await assert.rejects(c.Do({}), (e: RpcError) => e.code === Code.Unavailable && e.rawMessage.includes("max duration"));
    assert.equal(s.behaviour.calls, 2);
    const s2 = await server("backoff", { behaviour: { failCode: firstAttempt(Code.Unavailable) } });
    const start = performance.now();
    await client(s2.address, { policy: { type: "failure", backoff: { type: "fixed", ms: 150 } } }).Do({});
    assert.ok(performance.now() - start >= 145);
  });

  it("retries a server stream before its first message, never after", async () => {
    const s = await server("stream", { behaviour: { failCode: firstAttempt(Code.Unavailable) } });
    const c = client(s.address, { policy: { type: "failure" } });
    const got: number[] = [];
    for await (const m of c.Tokens({ count: 3 })) got.push(m.index ?? 0);
    assert.deepEqual(got, [0, 1, 2]);
    assert.equal(s.behaviour.calls, 2);
    // a stream that fails after its first message: the error reaches the caller, no retry
    const s2 = await server("stream2");
    const c2 = client(s2.address, { policy: { type: "failure" } });
    const seen: number[] = [];
    await assert.rejects((async () => {
      for await (const m of c2.Tokens({ count: 3, code: Code.Unavailable })) seen.push(m.index ?? 0);
    })(), (e: RpcError) => e.code === Code.Unavailable);
    assert.deepEqual(seen, [0]);
    assert.equal(s2.behaviour.calls, 1);
  });

  it("sends a client stream again from its start on a retry", async () => {
    const s = await server("collect", {
      behaviour: { failCode: (req, ctx) => (req.text === "c" && !ctx.requestMetadata.has("rpc-persist-retryreq") ? Code.Unavailable : undefined) },
    });
    const reply = await client(s.address, { policy: { type: "failure" } }).Collect([{ text: "a" }, { text: "b" }, { text: "c" }]);
    assert.equal(reply.text, "abc");
    assert.equal(reply.attempt, "1");
  });

  it("keeps at most maxReplayMessages of a client stream: past them the call is not retried", async () => {
    const s = await server("collect-long", {
      behaviour: { failCode: (req, ctx) => (req.text === "c" && !ctx.requestMetadata.has("rpc-persist-retryreq") ? Code.Unavailable : undefined) },
    });
    const three = () => [{ text: "a" }, { text: "b" }, { text: "c" }];
    assert.equal((await client(s.address, { policy: { type: "failure" }, maxReplayMessages: 3 }).Collect(three())).text, "abc");
    assert.equal(s.behaviour.calls, 6, "two attempts of three messages each");
    await assert.rejects(client(s.address, { policy: { type: "failure" }, maxReplayMessages: 2 }).Collect(three()), (e: RpcError) => e.code === Code.Unavailable);
    assert.equal(s.behaviour.calls, 9, "three messages, two kept: one attempt only");
    assert.throws(() => retry({ maxReplayMessages: -1 }), (e: RpcError) => e.code === Code.InvalidArgument && /maxReplayMessages/.test(e.message));
  });

  it("mixed retry hedges a slow call and cancels the loser", async () => {
    const s = await server("hedge", { behaviour: { delayMs: (_, ctx) => (ctx.requestMetadata.has("rpc-persist-retryreq") ? 0 : 2000) } });
    const start = performance.now();
    const reply = await client(s.address, { policy: { type: "mixed", delayMs: 50 } }).Do({});
    assert.equal(reply.attempt, "1");
    assert.ok(performance.now() - start < 1000);
  });

  it("mixed retry hedges a server stream whose first message is late, and delivers each message once", async () => {
    const s = await server("hedgestream", { behaviour: { delayMs: (_, ctx) => (ctx.requestMetadata.has("rpc-persist-retryreq") ? 0 : 2000) } });
    const c = client(s.address, { policy: { type: "mixed", delayMs: 50 } });
    const start = performance.now();
    const got: string[] = [];
    for await (const m of c.Tokens({ count: 3, text: "t" })) got.push(`${m.text}@${m.attempt}`);
    assert.deepEqual(got, ["t0@1", "t1@1", "t2@1"]);
    assert.ok(performance.now() - start < 1000);
  });
});
