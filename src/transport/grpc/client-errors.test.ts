import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { Code, RpcError, createClient } from "../../index.js";
import { Echo, startGrpcJsServer, type PeerServer } from "./client-fixture.js";
import { createGrpcTransport, type ConnectivityState, type GrpcTransport } from "./index.js";
import { onceWithin } from "../../../test/helpers/wait.js";
import { rejectsWith } from "../../../test/helpers/rpc.js";
import { freePort } from "../../../test/helpers/net.js";

/** Resolves when the transport reaches `state`. */
function stateWatcher(): { onStateChange: (s: ConnectivityState) => void; reached(s: ConnectivityState): Promise<void> } {
  const seen: ConnectivityState[] = [];
  const waiting: { state: ConnectivityState; resolve: () => void }[] = [];
  return {
    onStateChange(s) {
      seen.push(s);
      for (const w of waiting.splice(0)) if (w.state === s) w.resolve(); else waiting.push(w);
    },
    reached(s) {
      return new Promise((resolve) => waiting.push({ state: s, resolve }));
    },
  };
}

describe("grpc client: deadlines, cancellation, limits (grpc-js server)", () => {
  let server: PeerServer;
  let transport: GrpcTransport;
  let client: ReturnType<typeof createClient<typeof Echo.methods>>;
  before(async () => {
    server = await startGrpcJsServer();
    transport = createGrpcTransport({ target: server.target, limits: { maxReceiveMessageBytes: 1024, maxSendMessageBytes: 2048 } });
    client = createClient(Echo, transport);
  });
  after(async () => {
    await transport.close();
    await server.close();
  });

  it("deadline -> DEADLINE_EXCEEDED, and the server sees the call cancelled", async () => {
    const cancelled = onceWithin(server.events, "cancelled");
    const t0 = Date.now();
    await rejectsWith(client.Unary({ delay_ms: 5000 }, { timeoutMs: 100 }), Code.DeadlineExceeded);
    assert.ok(Date.now() - t0 < 2000);
    assert.deepEqual(await cancelled, ["Unary"]);
  });

  it("an absolute deadline already past fails at once", async () => {
    await rejectsWith(client.Unary({}, { deadline: Date.now() - 10 }), Code.DeadlineExceeded);
  });

  it("abort -> CANCELLED, and the server sees the call cancelled", async () => {
    const ac = new AbortController();
    const started = onceWithin(server.events, "started");
    const cancelled = onceWithin(server.events, "cancelled");
    const call = client.Unary({ delay_ms: 5000 }, { signal: ac.signal });
    await started;
    ac.abort();
    await rejectsWith(call, Code.Canceled);
    assert.deepEqual(await cancelled, ["Unary"]);
  });

  it("a signal aborted before the call fails it without a stream", async () => {
    await rejectsWith(client.Unary({}, { signal: AbortSignal.abort() }), Code.Canceled);
  });

  it("leaving a server stream early cancels the call on the server", async () => {
    const cancelled = onceWithin(server.events, "cancelled");
    const got: number[] = [];
    for await (const m of client.ServerStream({ count: 10_000, delay_ms: 2 })) {
      got.push(m.index);
      if (got.length === 3) break;
    }
    assert.deepEqual(got, [0, 1, 2]);
    assert.deepEqual(await cancelled, ["ServerStream"]);
  });

  it("a request source that throws cancels the call with its error", async () => {
    const cancelled = onceWithin(server.events, "cancelled");
    async function* failing() {
      yield { text: "a" };
      throw new RpcError(Code.DataLoss, "source broke");
    }
    await rejectsWith(client.ClientStream(failing()), Code.DataLoss, /source broke/);
    assert.deepEqual(await cancelled, ["ClientStream"]);
  });

  it("a response over the receive limit -> RESOURCE_EXHAUSTED; the connection keeps serving", async () => {
    await rejectsWith(client.Unary({ size: 4096 }), Code.ResourceExhausted, /limit/);
    assert.equal((await client.Unary({ text: "after" })).text, "after");
  });

  it("a request over the send limit -> RESOURCE_EXHAUSTED before anything is sent", async () => {
    await rejectsWith(client.Unary({ payload: new Uint8Array(4096) }), Code.ResourceExhausted, /send limit/);
  });

  it("an unsupported compression -> INVALID_ARGUMENT", async () => {
    await rejectsWith(client.Unary({}, { compression: "br" }), Code.InvalidArgument);
  });
});

describe("grpc client: connections", () => {
  it("refused connection -> UNAVAILABLE; during backoff calls fail fast without connecting", async () => {
    const port = await freePort();
    const transport = createGrpcTransport({ target: `127.0.0.1:${port}`, backoff: { initialMs: 60_000 } });
    try {
      const client = createClient(Echo, transport);
      await rejectsWith(client.Unary({}), Code.Unavailable, /ECONNREFUSED/);
      assert.equal(transport.state, "transient-failure");
      const server = await startGrpcJsServer({ port });
      try {
        await rejectsWith(client.Unary({}), Code.Unavailable, /next connection attempt/);
        await rejectsWith(async () => { for await (const _ of client.ServerStream({})) void _; }, Code.Unavailable);
      } finally {
        await server.close();
      }
    } finally {
      await transport.close();
    }
  });

  it("an unknown host -> UNAVAILABLE", async () => {
    const transport = createGrpcTransport({ target: "no-such-host.invalid:50051", connectTimeoutMs: 5000 });
    try {
      await rejectsWith(createClient(Echo, transport).Unary({}), Code.Unavailable, /no-such-host\.invalid/);
    } finally {
      await transport.close();
    }
  });

  it("waitForReady: a call waits through backoff and succeeds once the server is up", async () => {
    const port = await freePort();
    const watcher = stateWatcher();
    const transport = createGrpcTransport({
      target: `127.0.0.1:${port}`, waitForReady: true, backoff: { initialMs: 50, jitter: 0 }, onStateChange: watcher.onStateChange,
    });
    let server: PeerServer | undefined;
    try {
      const failed = watcher.reached("transient-failure");
      const call = createClient(Echo, transport).Unary({ text: "late" }, { timeoutMs: 10_000 });
      await failed;
      server = await startGrpcJsServer({ port });
      assert.equal((await call).text, "late");
      assert.equal(transport.state, "ready");
    } finally {
      await transport.close();
      await server?.close();
    }
  });

  it("waitForReady still honours the deadline", async () => {
    const port = await freePort();
    const transport = createGrpcTransport({ target: `127.0.0.1:${port}`, waitForReady: true, backoff: { initialMs: 60_000 } });
    try {
      await rejectsWith(createClient(Echo, transport).Unary({}, { timeoutMs: 200 }), Code.DeadlineExceeded);
    } finally {
      await transport.close();
    }
  });

  it("reconnects after the server restarts on the same port", async () => {
    const watcher = stateWatcher();
    let server = await startGrpcJsServer();
    const port = server.port;
    const transport = createGrpcTransport({ target: server.target, onStateChange: watcher.onStateChange });
    try {
      const client = createClient(Echo, transport);
      assert.equal((await client.Unary({ text: "one" })).text, "one");
      const idle = watcher.reached("idle");
      await server.close();
      await idle;
      server = await startGrpcJsServer({ port });
      assert.equal((await client.Unary({ text: "two" })).text, "two");
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it("calls after close() fail with UNAVAILABLE; calls in flight are cancelled", async () => {
    const server = await startGrpcJsServer();
    const transport = createGrpcTransport({ target: server.target });
    try {
      const client = createClient(Echo, transport);
      const started = onceWithin(server.events, "started");
      const inFlight = client.Unary({ delay_ms: 5000 });
      await started;
      const failed = rejectsWith(inFlight, Code.Canceled);
      await transport.close();
      await failed;
      await rejectsWith(client.Unary({}), Code.Unavailable, /closed/);
    } finally {
      await server.close();
    }
  });
});
