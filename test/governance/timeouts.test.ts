// Timeouts against real Weir gRPC servers: per-call RPC timeout, deadline propagation minus the
// time spent, and per-message stream idle timeouts on both sides.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Code, RpcError, createClient, type ClientTransport } from "../../src/index.js";
import { createGrpcTransport, createServer } from "../../src/transport/index.js";
import { downstream, streamIdleTimeout, timeout } from "../../src/governance/index.js";
import { Work, pause, startWork, type Running } from "./fixture.js";

const running: Running[] = [];
const transports: ClientTransport[] = [];
after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(running.map((r) => r.server.close({ graceMs: 0 })));
});
const transport = (address: string) => {
  const t = createGrpcTransport({ target: address });
  transports.push(t);
  return t;
};
const deadline = (e: unknown) => e instanceof RpcError && e.code === Code.DeadlineExceeded;

describe("timeouts", () => {
  it("an RPC timeout fails the call with DEADLINE_EXCEEDED, the server gets it as its deadline, per-method limits win", async () => {
    const s = await startWork("slow", { behaviour: { delayMs: 300 } });
    running.push(s);
    const c = createClient(Work, transport(s.address), { middleware: [timeout({ timeoutMs: 100, methods: { Write: 1000 } })] });
    const start = performance.now();
    await assert.rejects(c.Do({}), deadline);
    const took = performance.now() - start;
    // never before the 100 ms timeout; DEADLINE_EXCEEDED (not the answer at 300 ms) shows it fired
    assert.ok(took >= 95, `took ${took}`);
    assert.equal((await c.Write({})).server, "slow"); // 300 ms < 1000 ms
    // the server sees the RPC timeout as its deadline
    const s2 = await startWork("report");
    running.push(s2);
    const c2 = createClient(Work, transport(s2.address), { middleware: [timeout({ timeoutMs: 500 })] });
    const r = await c2.Do({});
    // what is left of 500 ms after the trip (how much the trip took depends on the machine's load)
    assert.ok(r.timeout_ms! > 0 && r.timeout_ms! <= 500, `server saw ${r.timeout_ms}ms`);
  });

  it("a server passes on what is left of its deadline, minus the time spent", async () => {
    const leaf = await startWork("leaf");
    running.push(leaf);
    const down = createClient(Work, transport(leaf.address));
    const relay = createServer({ health: false, reflection: false }).service(Work, {
      async Do(_req, ctx) {
        await pause(200, ctx);
        return await down.Do({}, downstream(ctx));
      },
    });
    const { port } = await relay.listen({ host: "127.0.0.1" });
    running.push({ server: relay, address: `127.0.0.1:${port}`, behaviour: { delayMs: 0, calls: 0 } });
    const r = await createClient(Work, transport(`127.0.0.1:${port}`)).Do({}, { timeoutMs: 1000 });
    // at most 1000 - 200: the 200 ms spent (a timer, never short) were taken off
    assert.ok(r.timeout_ms! > 0 && r.timeout_ms! <= 800, `leaf saw ${r.timeout_ms}ms of 1000 after 200 spent`);
  });

  it("receive idle: a response stream silent for too long fails, earlier messages arrive", async () => {
    const s = await startWork("idle");
    running.push(s);
    const c = createClient(Work, transport(s.address), { middleware: [streamIdleTimeout({ receiveMs: 100 })] });
    const got: number[] = [];
    async function* requests() {
      yield { text: "a" };
      yield { text: "b", delay_ms: 400 }; // the server answers this one after 400 ms
    }
    // the idle timeout's message, and no second message: it fired before the answer at 400 ms
    await assert.rejects((async () => { for await (const m of c.Chat(requests())) got.push(m.index!); })(), (e: RpcError) => deadline(e) && e.rawMessage.includes("no message received"));
    assert.deepEqual(got, [0]);
  });

  it("receive idle on the server: a client that stops sending gets DEADLINE_EXCEEDED", async () => {
    const s = await startWork("sidle", { middleware: [streamIdleTimeout({ receiveMs: 100 })] });
    running.push(s);
    const c = createClient(Work, transport(s.address));
    let release!: () => void;
    const hold = new Promise<void>((r) => { release = r; });
    async function* requests() { yield { text: "a" }; await hold; }
    await assert.rejects(c.Collect(requests()), deadline);
    release();
  });

  it("send idle: a request stream the server does not read fails the call", async () => {
    const s = await startWork("noread");
    running.push(s);
    const c = createClient(Work, transport(s.address), { middleware: [streamIdleTimeout({ sendMs: 200 })] });
    const big = "x".repeat(1 << 20);
    async function* requests() {
      yield { text: "first", delay_ms: 3000 }; // the server stops reading for 3 s
      for (let i = 0; i < 4; i++) yield { text: big };
    }
    // the send-idle message: it fired while the server was not reading (else the call would end normally after 3 s)
    await assert.rejects((async () => { for await (const _ of c.Chat(requests())) { /* nothing */ } })(), (e: RpcError) => deadline(e) && e.rawMessage.includes("waited"));
  });
});
