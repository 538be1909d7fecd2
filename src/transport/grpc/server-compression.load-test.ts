// Attack: 600 compression bombs at once (each inflates far past the 4 MiB message limit), half of
// them small enough to be inflated on the event loop, half in the thread pool; gzip with an honest
// trailer, gzip whose trailer lies (declares 1000 bytes), and deflate (no trailer) in equal parts. Before decompression was
// bounded server-wide, each of the 600 held up to 4 MiB of output at once (RSS 2.6 GB, never
// returned). Now at most a few inflate at a time, the rest wait in a short queue or are refused:
// every bomb is answered RESOURCE_EXHAUSTED, RSS stays under 512 MiB and comes back down, and a
// well-behaved unary call completes within 250 ms at p99 meanwhile.
import assert from "node:assert/strict";
import http2 from "node:http2";
import zlib from "node:zlib";
import { describe, it } from "node:test";
import { peakRssMiB, rssMiB, until } from "../../../test/attack/harness.js";
import { Code } from "../../core/index.js";
import { describeAttack, startAttackedServer, unaryOn, underAttack } from "./server-attack-fixture.js";
import { frame } from "./server-fixture.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const BOMBS = 600;
const CONNECTIONS = 6;

interface Bomb { readonly encoding: "gzip" | "deflate"; readonly body: Buffer }

/** 16 MiB and 64 MiB of zeros (16 KB and 64 KB compressed), each in three kinds. */
const BOMB_KINDS: readonly Bomb[] = [16 << 20, 64 << 20].flatMap((n) => {
  const gzip = zlib.gzipSync(Buffer.alloc(n), { level: 9 });
  const lying = Buffer.from(gzip);
  lying.writeUInt32LE(1000, lying.length - 4);
  return [
    { encoding: "gzip" as const, body: frame(gzip, true) },
    { encoding: "gzip" as const, body: frame(lying, true) },
    { encoding: "deflate" as const, body: frame(zlib.deflateSync(Buffer.alloc(n), { level: 9 }), true) },
  ];
});

/** One bomb as a unary request; resolves with its grpc-status. */
function bomb(session: http2.ClientHttp2Session, { encoding, body }: Bomb): Promise<number> {
  const req = session.request({
    ":method": "POST", ":path": "/weir.test.server.Echo/Unary", "content-type": "application/grpc", te: "trailers", "grpc-encoding": encoding,
  });
  let status = NaN;
  req.on("error", () => {});
  req.on("response", (h) => (status = Number(h["grpc-status"] ?? status)));
  req.on("trailers", (h) => (status = Number(h["grpc-status"])));
  req.resume();
  req.end(body);
  return onceWithin(req, "close").then(() => status);
}

function connectAll(port: number, n: number): Promise<http2.ClientHttp2Session[]> {
  return Promise.all(Array.from({ length: n }, async () => {
    const s = http2.connect(`http://127.0.0.1:${port}`);
    s.on("error", () => {});
    await onceWithin(s, "connect");
    return s;
  }));
}

describe("attack: gzip bombs in parallel", { timeout: 120_000 }, () => {
  it("600 bombs: all refused, RSS under 512 MiB and back down, well-behaved p99 under 250 ms", async (t) => {
    const server = await startAttackedServer({});
    const sessions = await connectAll(server.port, CONNECTIONS + 1);
    const prober = sessions.pop()!;
    try {
      await unaryOn(prober, AbortSignal.timeout(5000));
      const a = await underAttack(server.pid, (signal) => unaryOn(prober, signal), () =>
        Promise.all(Array.from({ length: BOMBS }, (_, i) => bomb(sessions[i % CONNECTIONS]!, BOMB_KINDS[i % BOMB_KINDS.length]!))));
      t.diagnostic(`${BOMBS} bombs; ${describeAttack(a)}; VmHWM ${peakRssMiB(server.pid).toFixed(0)} MiB`);
      assert.deepEqual([...new Set(a.result)], [Code.ResourceExhausted], "every bomb is refused with RESOURCE_EXHAUSTED");
      assert.deepEqual(a.probe.failures, []);
      assert.ok(a.probe.p99 < 250, `p99 ${a.probe.p99.toFixed(1)} ms`);
      assert.ok(peakRssMiB(server.pid) < 512, `VmHWM ${peakRssMiB(server.pid).toFixed(0)} MiB`);
      const before = a.rssBeforeMiB;
      await until(() => rssMiB(server.pid) < before + 96, `RSS back under ${(before + 96).toFixed(0)} MiB (now ${rssMiB(server.pid).toFixed(0)})`, 10_000, 100);
    } finally {
      for (const s of [...sessions, prober]) s.destroy();
      await server.stop();
    }
  });
});
