import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateSync } from "node:zlib";
import { Code, RpcError } from "../../core/index.js";
import { decodeTHeader, encodeTHeader, encodeTHeaderAsync, inflateTHeader, readTHeader } from "./theader.js";

/** A THeader frame with `transforms` listed and `payload` as is (no transform applied). */
function rawFrame(transforms: readonly number[], payload: Uint8Array): Buffer {
  const frame = encodeTHeader({ seqId: 3, protocolId: 0 }, payload);
  const info = Buffer.from([0, transforms.length, ...transforms]);
  const padded = Buffer.concat([info, Buffer.alloc((4 - (info.length % 4)) % 4)]);
  const head = Buffer.from(frame.subarray(0, 14));
  head.writeUInt32BE(10 + padded.length + payload.length, 0);
  head.writeUInt16BE(padded.length / 4, 12);
  return Buffer.concat([head, padded, payload]);
}

describe("THeader zlib transform", () => {
  it("refuses zlib listed twice before inflating anything", () => {
    const frame = rawFrame([1, 1], deflateSync(deflateSync(Buffer.alloc(1 << 20))));
    for (const read of [() => readTHeader(frame), () => decodeTHeader(frame)]) {
      assert.throws(read, (e: RpcError) => e.code === Code.InvalidArgument && /listed 2 times/.test(e.message));
    }
    assert.throws(() => encodeTHeader({ seqId: 1, protocolId: 0, transforms: [1, 1] }, Buffer.alloc(1)), /listed 2 times/);
  });

  it("inflates on the thread pool past 64 KiB, and never past the limit", async () => {
    const payload = Buffer.alloc(1 << 20, 7);
    const frame = readTHeader(encodeTHeader({ seqId: 1, protocolId: 0, transforms: [1] }, payload));
    assert.deepEqual((await inflateTHeader(frame, 1 << 20)).payload, payload);
    await assert.rejects(inflateTHeader(frame, (1 << 20) - 1), (e: RpcError) => e.code === Code.ResourceExhausted && /inflates past 1048575 bytes/.test(e.message));
    await assert.rejects(inflateTHeader(frame, 1000), (e: RpcError) => e.code === Code.ResourceExhausted);
    const garbage = readTHeader(rawFrame([1], Buffer.from("not zlib")));
    await assert.rejects(inflateTHeader(garbage, 1 << 20), (e: RpcError) => e.code === Code.Internal && /bad zlib payload/.test(e.message));
  });

  it("compresses a large reply on the thread pool, a small one on the loop, to the same frame", async () => {
    for (const size of [100, 100_000]) {
      const payload = Buffer.alloc(size, 1);
      const meta = { seqId: 9, protocolId: 2, transforms: [1], headers: new Map([["k", "v"]]) };
      const a = decodeTHeader(await encodeTHeaderAsync(meta, payload));
      assert.deepEqual([a.seqId, a.protocolId, a.transforms, a.headers.get("k"), a.payload], [9, 2, [1], "v", payload]);
    }
  });
});
