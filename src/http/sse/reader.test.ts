import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import type { SseMessage } from "./event.js";
import { readSse, type ReadSseOptions } from "./reader.js";
import { SseWriter } from "./writer.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const enc = new TextEncoder();

async function* chunks(parts: readonly (Uint8Array | string)[]) {
  for (const p of parts) yield p;
}

async function collect(parts: readonly (Uint8Array | string)[], options?: ReadSseOptions): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const m of readSse(chunks(parts), options)) out.push(m);
  return out;
}

const brief = (ms: readonly SseMessage[]) => ms.map((m) => [m.event, m.data, m.id]);

const SAMPLE = ": comment\n\ndata: first\n\nevent: token\nid: 1\ndata: a\ndata:b\n\nid: 2\ndata: ünïcødé 🙂\n\nretry: 250\ndata\n\nid\ndata: no id\n\n";
const SAMPLE_EVENTS = [
  ["message", "first", ""],
  ["token", "a\nb", "1"],
  ["message", "ünïcødé 🙂", "2"],
  ["message", "", "2"],
  ["message", "no id", ""],
];

describe("readSse", { timeout: 20_000 }, () => {
  it("parses a sample stream with LF, CRLF and CR line ends", async () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const text = SAMPLE.replaceAll("\n", eol);
      assert.deepEqual(brief(await collect([enc.encode(text)])), SAMPLE_EVENTS, JSON.stringify(eol));
    }
  });

  it("gives the same events however the bytes are split", async () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const bytes = enc.encode(SAMPLE.replaceAll("\n", eol));
      for (let cut = 1; cut < bytes.length; cut++) {
        const got = await collect([bytes.subarray(0, cut), bytes.subarray(cut)]);
        assert.deepEqual(brief(got), SAMPLE_EVENTS, `cut at ${cut} with ${JSON.stringify(eol)}`);
      }
      const oneByOne = [...bytes].map((b) => Uint8Array.of(b));
      assert.deepEqual(brief(await collect(oneByOne)), SAMPLE_EVENTS);
    }
  });

  it("drops one leading BOM, from bytes and from strings", async () => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf);
    assert.deepEqual(brief(await collect([bom, enc.encode("data: x\n\n")])), [["message", "x", ""]]);
    assert.deepEqual(brief(await collect([Uint8Array.of(0xef), Uint8Array.of(0xbb, 0xbf, 0x64), enc.encode("ata: x\n\n")])), [["message", "x", ""]]);
    assert.deepEqual(brief(await collect(["\uFEFFdata: y\n\n"])), [["message", "y", ""]]);
  });

  it("follows the spec's examples: bare data lines, space after the colon, unterminated tail", async () => {
    assert.deepEqual(brief(await collect(["data\n\ndata\ndata\n\ndata:"])), [["message", "", ""], ["message", "\n", ""]]);
    assert.deepEqual((await collect(["data:test\n\ndata: test\n\ndata:  two\n\n"])).map((m) => m.data), ["test", "test", " two"]);
    assert.deepEqual(await collect(["data: never dispatched\n"]), []);
    assert.deepEqual(await collect(["data: no newline at all"]), []);
  });

  it("keeps ids across events, resets on an empty id, ignores ids with NUL", async () => {
    const got = await collect(["id: 7\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid:\ndata: d\n\n"]);
    assert.deepEqual(got.map((m) => m.id), ["7", "7", "7", ""]);
    const resumed = await collect(["data: e\n\n"], { lastEventId: "41" });
    assert.equal(resumed[0]!.id, "41");
  });

  it("reports retry and comments, ignores unknown fields and bad retry values", async () => {
    const comments: string[] = [];
    const retries: number[] = [];
    const got = await collect([": ping\nretry: 1200\nfoo: bar\ndata: x\n\nretry: 12a\ndata: y\n\n"], {
      onComment: (c) => comments.push(c),
      onRetry: (ms) => retries.push(ms),
    });
    assert.deepEqual(comments, ["ping"]);
    assert.deepEqual(retries, [1200]);
    assert.deepEqual(got.map((m) => [m.data, m.retry]), [["x", 1200], ["y", 1200]]);
  });

  it("fails with RESOURCE_EXHAUSTED on an event past maxEventBytes, spread over reads or whole in one", async () => {
    const tooLarge = (e: unknown) => e instanceof RpcError && e.code === Code.ResourceExhausted && /larger than 1024 characters/.test(e.message);
    await assert.rejects(collect(["data: " + "x".repeat(5000)], { maxEventBytes: 1024 }), tooLarge);
    await assert.rejects(collect(["data: " + "x".repeat(600) + "\n", "data: " + "x".repeat(600) + "\n\n"], { maxEventBytes: 1024 }), tooLarge);
    await assert.rejects(collect(["data: " + "x".repeat(1025) + "\n\n"], { maxEventBytes: 1024 }), tooLarge);
    assert.equal((await collect(["data: " + "x".repeat(1024) + "\n\n"], { maxEventBytes: 1024 }))[0]!.data.length, 1024);
  });
});

describe("writer -> node:http -> reader", { timeout: 20_000 }, () => {
  const servers: http.Server[] = [];
  after(() => { for (const s of servers) s.closeAllConnections(), s.close(); });

  async function serve(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    server.listen(0, "127.0.0.1");
    await onceWithin(server, "listening");
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("round-trips every field kind through fetch", async () => {
    const sent = [
      { data: "plain" },
      { event: "token", id: "1", data: "multi\nline\r\ndata" },
      { comment: "between" },
      { id: "2", retry: 900, data: "" },
      { event: "done", data: "[DONE]" },
    ];
    const base = await serve(async (_req, res) => {
      const w = new SseWriter(res, { keepAliveMs: 0 });
      for (const e of sent) await w.send(e);
      w.end();
    });
    const got: SseMessage[] = [];
    for await (const m of readSse(await fetch(base))) got.push(m);
    assert.deepEqual(got, [
      { event: "message", data: "plain", id: "", retry: undefined },
      { event: "token", data: "multi\nline\ndata", id: "1", retry: undefined },
      { event: "message", data: "", id: "2", retry: 900 },
      { event: "done", data: "[DONE]", id: "2", retry: 900 },
    ]);
  });

  it("refuses a non-2xx answer and a wrong content type", async () => {
    const base = await serve((req, res) => {
      if (req.url === "/missing") res.writeHead(404).end();
      else res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await assert.rejects(collectFrom(`${base}/missing`), (e: unknown) => e instanceof RpcError && /HTTP 404/.test(e.message));
    await assert.rejects(collectFrom(`${base}/json`), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument);
  });
});

async function collectFrom(url: string): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const m of readSse(await fetch(url))) out.push(m);
  return out;
}
