// Attack: 300 unary calls for 4 MiB replies from a peer that never opens its flow-control window,
// over 3 connections, then over 300. Before the send buffer bounds and the send timeout, each reply
// stayed in the server's memory forever (+1.2 GB for 300 calls). Now the replies written are
// bounded per connection and per server (the rest are RESOURCE_EXHAUSTED at once), those written
// are reset (RST_STREAM CANCEL) once the send timeout passes, RSS stays under 512 MiB and comes
// back down, and a well-behaved unary call completes within 250 ms at p99 meanwhile.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { describe, it } from "node:test";
import { openFds, until } from "../../../test/attack/harness.js";
import { Code } from "../../core/index.js";
import { describeAttack, startAttackedServer, unaryOn, underAttack } from "./server-attack-fixture.js";
import { Echo, frame } from "./server-fixture.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const CALLS = 300;
const REPLY_BYTES = (4 << 20) - 64;
const SEND_TIMEOUT_MS = 3000;

/** A peer whose streams' windows stay shut: it never takes a byte of DATA. */
async function stalledPeer(port: number): Promise<http2.ClientHttp2Session> {
  const s = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 0 } });
  s.on("error", () => {});
  await onceWithin(s, "connect");
  return s;
}

/** A call for a 4 MiB reply; resolves with its grpc-status, or "reset" for RST_STREAM CANCEL. */
function bigReply(session: http2.ClientHttp2Session): Promise<number | "reset"> {
  const req = session.request({ ":method": "POST", ":path": "/weir.test.server.Echo/Unary", "content-type": "application/grpc", te: "trailers" });
  let status = NaN;
  req.on("error", () => {});
  req.on("response", (h) => (status = Number(h["grpc-status"] ?? status)));
  req.on("trailers", (h) => (status = Number(h["grpc-status"])));
  req.end(frame(Echo.methods.Unary.input.encode({ size: REPLY_BYTES })));
  return onceWithin(req, "close").then(() => (req.rstCode === http2.constants.NGHTTP2_CANCEL ? "reset" : status));
}

describe("attack: replies nobody reads", { timeout: 120_000 }, () => {
  for (const connections of [3, CALLS]) {
    it(`${CALLS} calls for 4 MiB replies over ${connections} connections with shut windows`, async (t) => {
      const server = await startAttackedServer({ sendTimeoutMs: SEND_TIMEOUT_MS });
      const prober = http2.connect(`http://127.0.0.1:${server.port}`);
      prober.on("error", () => {});
      const peers: http2.ClientHttp2Session[] = [];
      try {
        await unaryOn(prober, AbortSignal.timeout(5000));
        const fdsBefore = openFds(server.pid);
        const buffersBefore = (await server.collectGarbage()).arrayBuffers;
        for (let i = 0; i < connections; i++) peers.push(await stalledPeer(server.port));
        const a = await underAttack(server.pid, (signal) => unaryOn(prober, signal), () => Promise.all(Array.from({ length: CALLS }, (_, i) => bigReply(peers[i % connections]!))));
        const reset = a.result.filter((o) => o === "reset").length;
        const refused = a.result.filter((o) => o === Code.ResourceExhausted).length;
        t.diagnostic(`${reset} reset after the send timeout, ${refused} refused; ${describeAttack(a)}`);
        assert.equal(reset + refused, CALLS, `every call reset or refused: ${JSON.stringify(a.result.filter((o) => o !== "reset" && o !== Code.ResourceExhausted))}`);
        assert.ok(reset > 0 && a.ms >= SEND_TIMEOUT_MS - 100 && a.ms < SEND_TIMEOUT_MS + 5000, `the replies written were reset by the send timeout (${a.ms} ms)`);
        assert.ok(a.rssPeakMiB < 512, `RSS ${a.rssPeakMiB.toFixed(0)} MiB`);
        assert.deepEqual(a.probe.failures, []);
        assert.ok(a.probe.p99 < 250, `p99 ${a.probe.p99.toFixed(1)} ms`);
        // The attack over (its connections closed), nothing holds the replies: once collected, the
        // buffers are gone (RSS may stay higher: malloc keeps freed blocks for reuse).
        for (const p of peers) p.destroy();
        await until(() => openFds(server.pid) <= fdsBefore, `the server's descriptors back to ${fdsBefore}`, 5000);
        const after = await server.collectGarbage();
        const held = (after.arrayBuffers - buffersBefore) / 2 ** 20;
        t.diagnostic(`after a garbage collection: buffers ${held.toFixed(1)} MiB more than before, RSS ${(after.rss / 2 ** 20).toFixed(0)} MiB`);
        assert.ok(held < 8, `${held.toFixed(1)} MiB of buffers still held`);
      } finally {
        for (const p of [...peers, prober]) p.destroy();
        await server.stop();
      }
    });
  }
});
