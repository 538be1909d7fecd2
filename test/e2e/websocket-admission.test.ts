// `weir serve` as a child process: who may open /api/generate/ws and how many at once. Pages of
// other sites are refused with 403 (any web page could otherwise drive a local `weir serve`), and
// so is DNS rebinding on a loopback-bound server, on every HTTP route too; same-origin pages and
// programs (no Origin) generate as before.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { Code, RpcError } from "../../src/core/index.js";
import { connectWebSocket } from "../../src/http/index.js";
import { startServeProcess, type ServeProcess } from "./serve-process.js";

/** Generate over the socket until the server closes it; returns the close code and the chunks. */
async function generate(url: string, headers?: Record<string, string>): Promise<{ chunks: number }> {
  const ch = await connectWebSocket(url, { headers });
  await ch.send(JSON.stringify({ prompt: "The river", max_tokens: 5, seed: 1 }));
  let chunks = 0;
  for await (const m of ch) if (typeof JSON.parse(m as string).text === "string") chunks++;
  return { chunks };
}

/** A GET with the Host header given (fetch will not send another Host). */
function rawGet(base: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers: { host }, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => { body += c; }).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} took over 5 s`))).on("error", reject);
  });
}

const refused = (code: Code, pattern: RegExp) => (e: unknown) => e instanceof RpcError && e.code === code && pattern.test(e.message);

describe("weir serve: WebSocket admission", { timeout: 60_000 }, () => {
  let serve: ServeProcess;
  let listed: ServeProcess;
  before(async () => {
    [serve, listed] = await Promise.all([
      startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=0"] }),
      startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=20", "--ws-allowed-origins=https://app.example", "--ws-max-sockets=1"] }),
    ]);
  });
  after(async () => {
    await Promise.all([serve?.stop(), listed?.stop()]);
  });

  const wsUrl = (s: ServeProcess) => `${s.httpUrl.replace(/^http/, "ws")}/api/generate/ws`;

  it("serves its own pages and programs without Origin", async () => {
    assert.ok((await generate(wsUrl(serve), { origin: serve.httpUrl })).chunks >= 1);
    assert.ok((await generate(wsUrl(serve))).chunks >= 1);
  });

  it("refuses another site's page with 403, and DNS rebinding (a Host that is not loopback) too", async () => {
    await assert.rejects(generate(wsUrl(serve), { origin: "https://evil.example" }), refused(Code.PermissionDenied, /HTTP 403: cross-origin WebSocket/));
    const port = new URL(serve.httpUrl).port;
    const rebound = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
    await assert.rejects(generate(wsUrl(serve), rebound), refused(Code.PermissionDenied, /HTTP 403: host "evil.example:\d+" is not allowed/));
  });

  it("refuses a rebound Host on plain HTTP routes too (a page could otherwise read the SSE stream)", async () => {
    const port = new URL(serve.httpUrl).port;
    for (const path of ["/api/generate?prompt=hi&max_tokens=2", "/v1/models", "/"]) {
      const res = await rawGet(serve.httpUrl, path, `evil.example:${port}`);
      assert.equal(res.status, 403, path);
      assert.match(res.body, /"status":"PERMISSION_DENIED"/);
      assert.equal((await rawGet(serve.httpUrl, path, `localhost:${port}`)).status, 200, `${path} by the loopback name`);
    }
  });

  it("lets the pages of --ws-allowed-origins in, and refuses sockets past --ws-max-sockets with 503", async () => {
    const first = await connectWebSocket(wsUrl(listed), { headers: { origin: "https://app.example" } });
    await first.send(JSON.stringify({ prompt: "The river", max_tokens: 200 }));
    assert.equal((await first[Symbol.asyncIterator]().next()).done, false); // a chunk came: the socket is open
    const second = await connectWebSocket(wsUrl(listed)).catch((e: unknown) => e);
    first.close();
    assert.ok(refused(Code.Unavailable, /HTTP 503: too many WebSockets open \(1\)/)(second), String(second));
  });
});
