import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { sseClient } from "./client.js";
import { SseWriter } from "./writer.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const servers: http.Server[] = [];
after(() => { for (const s of servers) s.closeAllConnections(), s.close(); });

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await onceWithin(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
}

describe("sseClient", { timeout: 20_000 }, () => {
  it("reconnects with Last-Event-ID and stops on 204", async () => {
    const seen: (string | undefined)[] = [];
    const url = await serve(async (req, res) => {
      const last = req.headers["last-event-id"] as string | undefined;
      seen.push(last);
      if (seen.length === 3) return void res.writeHead(204).end();
      const w = new SseWriter(res, { keepAliveMs: 0 });
      const start = last === undefined ? 0 : Number(last);
      await w.send({ retry: 5, id: String(start + 1), data: `event ${start + 1}` });
      await w.send({ id: String(start + 2), data: `event ${start + 2}` });
      if (seen.length === 1) res.socket!.end(); // a broken chunked body (flushed, then FIN), not a clean end
      else w.end();
    });
    const got: string[] = [];
    const reconnects: string[] = [];
    for await (const m of sseClient(url, { onReconnect: (id) => reconnects.push(id) })) got.push(`${m.id}:${m.data}`);
    assert.deepEqual([got, seen], [["1:event 1", "2:event 2", "3:event 3", "4:event 4"], [undefined, "2", "4"]]);
    assert.deepEqual(seen, [undefined, "2", "4"]);
    assert.deepEqual(reconnects, ["2", "4"]);
  });

  it("sends the first Last-Event-ID, method, headers and body it is given", async () => {
    let request: { id?: string; method?: string; auth?: string; body: string } = { body: "" };
    const url = await serve(async (req, res) => {
      let body = "";
      for await (const c of req) body += c;
      request = { id: req.headers["last-event-id"] as string, method: req.method, auth: req.headers["authorization"], body };
      const w = new SseWriter(res, { keepAliveMs: 0 });
      await w.send({ data: "only" });
      w.end();
    });
    const got: string[] = [];
    const options = { lastEventId: "9", method: "POST", headers: { authorization: "Bearer t" }, body: '{"a":1}', reconnect: false } as const;
    for await (const m of sseClient(url, options)) got.push(m.data);
    assert.deepEqual(got, ["only"]);
    assert.deepEqual(request, { id: "9", method: "POST", auth: "Bearer t", body: '{"a":1}' });
  });

  it("gives up after maxAttempts reconnections without an event", async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests++;
      res.destroy();
    });
    await assert.rejects(
      (async () => { for await (const _ of sseClient(url, { reconnect: { maxAttempts: 2, delayMs: 1 } })) { /* none */ } })(),
      (e: unknown) => e instanceof RpcError && e.code === Code.Unavailable,
    );
    assert.equal(requests, 3);
  });

  it("waits at most maxDelayMs before reconnecting, however long the server's retry: asks for", async () => {
    let requests = 0;
    const url = await serve(async (_req, res) => {
      requests++;
      const w = new SseWriter(res, { keepAliveMs: 0 });
      if (requests === 1) await w.send({ retry: 600_000, id: "1", data: "first" }); // ten minutes
      else await w.send({ id: "2", data: "second" });
      w.end();
    });
    const got: string[] = [];
    const start = performance.now();
    for await (const m of sseClient(url, { reconnect: { maxDelayMs: 50 } })) {
      got.push(m.data);
      if (got.length === 2) break;
    }
    assert.deepEqual(got, ["first", "second"]);
    assert.ok(performance.now() - start < 5000, "reconnected after maxDelayMs, not after the server's ten minutes");
  });

  it("does not reconnect after an event larger than maxEventBytes, and checks its reconnect options", async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests++;
      new SseWriter(res, { keepAliveMs: 0 }).write({ data: "x".repeat(4096) });
    });
    await assert.rejects(
      (async () => { for await (const _ of sseClient(url, { maxEventBytes: 1024, reconnect: { delayMs: 1 } })) { /* none */ } })(),
      (e: unknown) => e instanceof RpcError && e.code === Code.ResourceExhausted && /larger than 1024 characters/.test(e.message),
    );
    assert.equal(requests, 1);
    for (const bad of [{ maxAttempts: -1 }, { delayMs: 1.5 }, { maxDelayMs: Number.NaN }]) {
      await assert.rejects((async () => { for await (const _ of sseClient(url, { reconnect: bad })) { /* none */ } })(), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument);
    }
  });

  it("does not reconnect after an HTTP error answer", async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests++;
      res.writeHead(503).end();
    });
    await assert.rejects((async () => { for await (const _ of sseClient(url, { reconnect: { delayMs: 1 } })) { /* none */ } })(), RpcError);
    assert.equal(requests, 1);
  });

  it("stops when its signal aborts, and closes the connection when the loop is left", async () => {
    let closed: Promise<unknown> | undefined;
    const url = await serve((_req, res) => {
      closed = onceWithin(res, "close");
      const w = new SseWriter(res, { keepAliveMs: 0 });
      w.write({ id: "1", data: "first" });
    });
    for await (const m of sseClient(url)) {
      assert.equal(m.data, "first");
      break;
    }
    await closed;
    const controller = new AbortController();
    const run = (async () => { for await (const _ of sseClient(url, { signal: controller.signal })) controller.abort(); })();
    await assert.rejects(run, (e: unknown) => e instanceof RpcError && e.code === Code.Canceled);
  });
});
