// Backpressure: a server stream of 1 GiB to a client that stops reading for a while, then reads
// at full speed. The server (a child process, so that the memory measured is the server's alone)
// must not buffer what the client does not take: its RSS grows by less than 64 MiB.
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import http2 from "node:http2";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { createServer } from "./grpc-server.js";
import { Echo, frame, rawSession } from "./server-fixture.js";
import { onceWithin, within } from "../../../test/helpers/wait.js";

const CHILD = fileURLToPath(new URL("./server-backpressure-child.js", import.meta.url));
const MESSAGE_BYTES = 64 * 1024;
const COUNT = 16 * 1024; // 16 Ki messages of 64 KiB: 1 GiB
const RSS_LIMIT = 64 * 1024 * 1024;

/** Resident set size of a process, from /proc (Linux). */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(m, "VmRSS in /proc/<pid>/status");
  return Number(m[1]) * 1024;
}

async function startChild(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(CHILD, [], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
  const [line] = (await onceWithin(createInterface({ input: child.stdout! }), "line")) as [string];
  return { child, port: Number(line) };
}

/** Samples `f` every `ms` until stopped; returns the largest value seen. */
function sampler(f: () => number, ms: number): { stop(): number } {
  let max = f();
  const timer = setInterval(() => (max = Math.max(max, f())), ms);
  return { stop: () => (clearInterval(timer), (max = Math.max(max, f()))) };
}

describe("backpressure", { timeout: 120_000, skip: process.platform !== "linux" && "reads /proc" }, () => {
  it("a 1 GiB server stream to a slow reader grows the server's RSS by less than 64 MiB", async () => {
    const { child, port } = await startChild();
    const session = await rawSession(port, { initialWindowSize: 1 << 20 });
    try {
      const request = (count: number) => {
        const req = session.request({ ":method": "POST", ":path": "/weir.test.server.Echo/ServerStream", "content-type": "application/grpc", te: "trailers" });
        req.end(frame(Echo.methods.Unary.input.encode({ count, size: MESSAGE_BYTES })));
        return req;
      };
      // Warm up (code loaded and compiled, buffers allocated), then take the baseline.
      const warm = request(64);
      warm.resume();
      await onceWithin(warm, "close");
      const baseline = rssOf(child.pid!);

      const req = request(COUNT);
      let received = 0;
      let trailers: http2.IncomingHttpHeaders | undefined;
      req.on("trailers", (t) => (trailers = t));
      // Phase 1: do not read. The server fills the flow-control window, then must wait.
      const paused = sampler(() => rssOf(child.pid!), 50);
      await onceWithin(req, "response");
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 50)); // 1 s of not reading (a duration, not a synchronisation)
      const pausedMax = paused.stop();
      // Phase 2: read everything as fast as possible.
      const reading = sampler(() => rssOf(child.pid!), 100);
      req.on("data", (chunk: Buffer) => (received += chunk.length));
      await onceWithin(req, "close");
      const readingMax = reading.stop();

      assert.equal(trailers?.["grpc-status"], "0");
      assert.equal(received, COUNT * (MESSAGE_BYTES + 4 + 5), "every byte of 1 GiB arrived");
      const growth = Math.max(pausedMax, readingMax) - baseline;
      assert.ok(pausedMax - baseline < RSS_LIMIT, `RSS grew by ${mib(pausedMax - baseline)} while the client did not read`);
      assert.ok(growth < RSS_LIMIT, `RSS grew by ${mib(growth)} (baseline ${mib(baseline)})`);
    } finally {
      session.destroy();
      child.kill();
    }
  });
});

describe("request stream backpressure", { timeout: 30_000 }, () => {
  it("holds a client back while the handler does not read, then takes everything", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const server = createServer({ health: false, reflection: false, streamWindowBytes: 256 * 1024 }).service(Echo, {
      async ClientStream(requests) {
        await gate;
        let n = 0;
        for await (const _ of requests) n++;
        return { index: n };
      },
    });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    const session = await rawSession(port);
    try {
      const req = session.request({ ":method": "POST", ":path": "/weir.test.server.Echo/ClientStream", "content-type": "application/grpc", te: "trailers" });
      const message = frame(Echo.methods.Unary.input.encode({ payload: Buffer.alloc(64 * 1024 - 16, 1) }));
      const total = 512; // 32 MiB
      let queued = 0;
      const writer = (async () => {
        for (; queued < total; queued++) if (!req.write(message)) await onceWithin(req, "drain");
        req.end();
      })();
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 50)); // 0.5 s of a handler that does not read
      const flushed = queued * message.length - req.writableLength;
      assert.ok(flushed < 4 * 1024 * 1024, `the client got ${mib(flushed)} out while the handler did not read`);
      const done = within(new Promise<http2.IncomingHttpHeaders>((resolve) => req.on("trailers", resolve)), "the trailers", 60_000);
      const body: Buffer[] = [];
      req.on("data", (c: Buffer) => body.push(c));
      open();
      await writer;
      const trailers = await done;
      assert.equal(trailers["grpc-status"], "0");
      const reply = Echo.methods.Unary.output.decode(Buffer.concat(body).subarray(5));
      assert.equal(reply.index, total, "every message reached the handler once it read");
    } finally {
      session.destroy();
      await server.close({ graceMs: 0 });
    }
  });
});

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
