// Decompression bounds: the size limit, the gzip trailer's declared size, inflation on the event
// loop capped, and the gate that bounds inflation in the thread pool (turns, queue, wait).
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import { InflateGate, decompress } from "./compression.js";

const MiB = 1 << 20;
const zeros = (n: number) => Buffer.alloc(n);

/** A gzip member whose trailer declares `declared` bytes (a forged ISIZE: zlib finds out only at the end). */
function forged(data: Buffer, declared: number): Buffer {
  const out = zlib.gzipSync(data);
  out.writeUInt32LE(declared, out.length - 4);
  return out;
}

async function refusal(p: Promise<unknown>): Promise<RpcError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  assert.ok(e instanceof RpcError, `expected an RpcError, got ${String(e)}`);
  return e;
}

/** A gate task that finishes when told to. */
function held(): { task: () => Promise<Buffer>; release(): void; started: boolean } {
  let release!: () => void;
  const h = {
    started: false,
    release: () => release(),
    task: () => {
      h.started = true;
      return new Promise<Buffer>((resolve) => (release = () => resolve(Buffer.from("done"))));
    },
  };
  return h;
}

describe("decompress", () => {
  const gate = new InflateGate({ maxConcurrent: 2, maxQueued: 4, maxWaitMs: 1000 });

  for (const encoding of ["gzip", "deflate"] as const) {
    const pack = encoding === "gzip" ? zlib.gzipSync : zlib.deflateSync;
    it(`${encoding}: a bomb is RESOURCE_EXHAUSTED at the limit, small or large, with or without a gate`, async () => {
      for (const data of [pack(zeros(16 * MiB)), pack(zeros(64 * MiB))]) {
        for (const g of [undefined, gate]) {
          const e = await refusal(decompress(encoding, data, 4 * MiB, g));
          assert.equal(e.code, Code.ResourceExhausted);
        }
      }
    });

    it(`${encoding}: a message that inflates past 256 KiB from under 32 KiB still arrives whole through the gate`, async () => {
      const text = Buffer.from("abcdefgh".repeat(300_000)); // 2.4 MB, about 7 KB compressed
      assert.deepEqual(await decompress(encoding, pack(text), 4 * MiB, gate), text);
      assert.deepEqual(gate.load, { running: 0, queued: 0 }, "its turn is given back");
    });
  }

  it("gzip: a trailer declaring more than the limit is refused without inflating", async () => {
    const e = await refusal(decompress("gzip", forged(zeros(1000), 5 * MiB), 4 * MiB, gate));
    assert.equal(e.code, Code.ResourceExhausted);
    assert.match(e.rawMessage, /gzip trailer declares 5242880 bytes decompressed, over the limit of 4194304 bytes/);
  });

  it("gzip: a trailer that lies low does not lift the limit", async () => {
    const e = await refusal(decompress("gzip", forged(zeros(16 * MiB), 1000), 4 * MiB, gate));
    assert.equal(e.code, Code.ResourceExhausted);
  });

  it("an unknown encoding is UNIMPLEMENTED, corrupt data INTERNAL", async () => {
    assert.equal((await refusal(decompress("br", Buffer.alloc(10), MiB))).code, Code.Unimplemented);
    assert.equal((await refusal(decompress("gzip", Buffer.from("not gzip at all, not at all"), MiB))).code, Code.Internal);
  });
});

describe("InflateGate", () => {
  it("runs maxConcurrent at once, queues maxQueued in order, refuses the rest at once", async () => {
    const gate = new InflateGate({ maxConcurrent: 1, maxQueued: 1, maxWaitMs: 10_000 });
    const [a, b] = [held(), held()];
    const pa = gate.run(a.task);
    const pb = gate.run(b.task);
    assert.equal(a.started && !b.started, true);
    const e = await refusal(gate.run(held().task));
    assert.equal(e.code, Code.ResourceExhausted);
    assert.match(e.rawMessage, /busy decompressing other messages \(1 waiting\)/);
    a.release();
    assert.equal((await pa).toString(), "done");
    assert.equal(b.started, true, "the queued one takes the freed turn");
    b.release();
    await pb;
    assert.deepEqual(gate.load, { running: 0, queued: 0 });
  });

  it("a message that waits longer than maxWaitMs is RESOURCE_EXHAUSTED, and its turn never runs", async () => {
    const gate = new InflateGate({ maxConcurrent: 1, maxQueued: 8, maxWaitMs: 50 });
    const a = held();
    const pa = gate.run(a.task);
    const late = held();
    const t0 = performance.now();
    const e = await refusal(gate.run(late.task));
    assert.ok(performance.now() - t0 >= 45, "not before the wait is over");
    assert.match(e.rawMessage, /no turn to decompress the message within 50 ms/);
    a.release();
    await pa;
    assert.equal(late.started, false);
    assert.deepEqual(gate.load, { running: 0, queued: 0 });
  });
});
