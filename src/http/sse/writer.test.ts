import assert from "node:assert/strict";
import { once } from "node:events";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { formatSseEvent } from "./event.js";
import { SseWriter } from "./writer.js";
import { onceWithin, within } from "../../../test/helpers/wait.js";

/** A Writable that holds each chunk until released, so the test decides when the "socket" drains. */
class HeldSink extends Writable {
  readonly chunks: string[] = [];
  private held: (() => void)[] = [];
  constructor(highWaterMark: number) {
    super({ highWaterMark, decodeStrings: false });
  }
  override _write(chunk: unknown, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(String(chunk));
    this.held.push(cb);
  }
  release(): void {
    const held = this.held;
    this.held = [];
    for (const cb of held) cb();
  }
}

const servers: http.Server[] = [];
after(() => { for (const s of servers) s.closeAllConnections(), s.close(); });

/** A server whose handler gets an SseWriter; returns its port and the next writer it builds. */
async function sseServer(options: ConstructorParameters<typeof SseWriter>[1] = {}) {
  const writers: { writer: SseWriter; res: ServerResponse; req: IncomingMessage }[] = [];
  let notify: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    writers.push({ writer: new SseWriter(res, options), res, req });
    notify?.();
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await onceWithin(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const next = async () => {
    while (writers.length === 0) await new Promise<void>((r) => (notify = r));
    return writers.shift()!;
  };
  return { port, next };
}

function get(port: number): Promise<IncomingMessage> {
  return within(new Promise((resolve, reject) => http.get({ host: "127.0.0.1", port, path: "/" }, resolve).on("error", reject)), "the response");
}

describe("formatSseEvent", () => {
  it("writes each field kind byte for byte", () => {
    assert.equal(formatSseEvent({ data: "hello" }), "data: hello\n\n");
    assert.equal(formatSseEvent({ event: "token", data: "x" }), "event: token\ndata: x\n\n");
    assert.equal(formatSseEvent({ id: "42", data: "x" }), "id: 42\ndata: x\n\n");
    assert.equal(formatSseEvent({ retry: 1500 }), "retry: 1500\n\n");
    assert.equal(formatSseEvent({ comment: "hi" }), ": hi\n\n");
    assert.equal(formatSseEvent({ data: "" }), "data: \n\n");
    assert.equal(formatSseEvent({ id: "" }), "id: \n\n");
    assert.equal(
      formatSseEvent({ comment: "c", event: "e", id: "1", retry: 0, data: "d" }),
      ": c\nevent: e\nid: 1\nretry: 0\ndata: d\n\n",
    );
  });

  it("splits data on CR, LF and CRLF into several data lines", () => {
    assert.equal(formatSseEvent({ data: "a\nb\r\nc\rd" }), "data: a\ndata: b\ndata: c\ndata: d\n\n");
    assert.equal(formatSseEvent({ data: "\n" }), "data: \ndata: \n\n");
    assert.equal(formatSseEvent({ data: "x\n\ny" }), "data: x\ndata: \ndata: y\n\n");
    assert.equal(formatSseEvent({ comment: "a\nb" }), ": a\n: b\n\n");
  });

  it("rejects CR/LF in id and event, NUL in id, and a bad retry", () => {
    for (const e of [{ id: "a\nb" }, { id: "a\rb" }, { id: "a\0b" }, { event: "x\ny" }, { event: "x\r" }, { retry: -1 }, { retry: 1.5 }]) {
      assert.throws(() => formatSseEvent(e), (err: unknown) => err instanceof RpcError && err.code === Code.InvalidArgument);
    }
  });
});

describe("SseWriter", { timeout: 20_000 }, () => {
  it("sends the SSE headers and one write per event", async () => {
    const { port, next } = await sseServer({ keepAliveMs: 0 });
    const resP = get(port);
    const { writer } = await next();
    const res = await resP;
    assert.equal(res.headers["content-type"], "text/event-stream; charset=utf-8");
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.equal(res.headers["x-accel-buffering"], "no");
    assert.equal(res.headers["connection"], "keep-alive");
    res.setEncoding("utf8");
    let body = "";
    res.on("data", (c: string) => (body += c));
    assert.equal(writer.write({ id: "1", data: "one" }), true);
    await writer.send({ event: "done", data: "a\nb" });
    writer.end();
    await onceWithin(res, "end");
    assert.equal(body, "id: 1\ndata: one\n\nevent: done\ndata: a\ndata: b\n\n");
  });

  it("writes a keep-alive comment while idle", async () => {
    const { port, next } = await sseServer({ keepAliveMs: 20 });
    const resP = get(port);
    const { writer } = await next();
    const res = await resP;
    res.setEncoding("utf8");
    let body = "";
    await within(new Promise<void>((resolve) => res.on("data", (c: string) => { body += c; if (body.includes("\n\n")) resolve(); })), "the keep-alive comment");
    assert.equal(body, ": keep-alive\n\n");
    writer.end();
    await onceWithin(res, "end");
  });

  it("coalesces events queued while the output is behind into one write", async () => {
    const sink = new HeldSink(8);
    const writer = new SseWriter(sink, { keepAliveMs: 0 });
    assert.equal(writer.write({ data: "first event" }), false); // over the 8-byte mark at once
    assert.equal(writer.behind, true);
    assert.equal(writer.write({ data: "b" }), false);
    assert.equal(writer.write({ data: "c" }), false);
    const drained = writer.drained();
    assert.equal(sink.chunks.length, 1);
    const firstDrain = onceWithin(sink, "drain");
    sink.release();
    await firstDrain;
    assert.deepEqual(sink.chunks, ["data: first event\n\n", "data: b\n\ndata: c\n\n"]);
    sink.release();
    await drained;
    assert.equal(writer.behind, false);
  });

  it("aborts with RESOURCE_EXHAUSTED when a producer ignores backpressure", () => {
    const sink = new HeldSink(8);
    const writer = new SseWriter(sink, { keepAliveMs: 0, maxQueuedBytes: 100 });
    for (let i = 0; i < 20 && !writer.signal.aborted; i++) writer.write({ data: "0123456789" });
    assert.equal(writer.signal.aborted, true);
    assert.equal((writer.signal.reason as RpcError).code, Code.ResourceExhausted);
    assert.equal(sink.destroyed, true);
  });

  it("stops resolving send() for a client that does not read, and bounds what it buffers", async () => {
    const { port, next } = await sseServer({ keepAliveMs: 0 });
    const resP = get(port);
    const { writer, res: serverRes } = await next();
    const res = await resP;
    res.pause(); // the client reads nothing
    const payload = "x".repeat(16 * 1024);
    let sent = 0;
    let stalled = false;
    const limit = 64 << 20; // far more than socket buffers hold
    while (sent < limit) {
      const p = writer.send({ data: payload });
      const timedOut = await Promise.race([p.then(() => false), new Promise<boolean>((r) => setTimeout(r, 300, true).unref())]);
      sent += payload.length;
      if (timedOut) { stalled = true; break; }
    }
    assert.equal(stalled, true, "send() kept resolving although nobody reads");
    assert.ok(sent < 32 << 20, `sent ${sent} bytes into a stalled socket`);
    assert.ok(writer.queuedBytes + serverRes.writableLength <= 2 * payload.length + serverRes.writableHighWaterMark * 2);
    // Once the client reads again, everything arrives, in order.
    let received = 0;
    res.on("data", (c: Buffer) => (received += c.length));
    res.resume();
    await writer.drained();
    writer.end();
    await onceWithin(res, "end");
    assert.equal(received, (sent / payload.length) * (payload.length + 8));
  });

  it("aborts its signal when the client disconnects", async () => {
    const { port, next } = await sseServer({ keepAliveMs: 0 });
    const resP = get(port);
    const { writer } = await next();
    const res = await resP;
    writer.write({ data: "hi" });
    res.destroy();
    await once(writer.signal, "abort");
    assert.equal((writer.signal.reason as RpcError).code, Code.Canceled);
    await assert.rejects(writer.send({ data: "late" }), (e: unknown) => e instanceof RpcError && e.code === Code.Canceled);
    assert.equal(writer.write({ data: "late" }), false);
  });

  it("does not abort after a normal end", async () => {
    const { port, next } = await sseServer({ keepAliveMs: 0 });
    const resP = get(port);
    const { writer, res: serverRes } = await next();
    const res = await resP;
    res.resume();
    writer.end();
    await onceWithin(serverRes, "close");
    assert.equal(writer.signal.aborted, false);
  });
});
