import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Code, RpcError } from "../../core/index.js";
import { loadThriftIdl } from "../../idl/thrift/index.js";
import { applicationExceptionCodec } from "./application-exception.js";
import { decodeMessageHeader } from "./message.js";
import { MAX_ENCODED_BYTES, ThriftWriter } from "./writer.js";
import { createStructCodec, type ThriftProtocol } from "./struct-codec.js";

const idl = loadThriftIdl(fileURLToPath(new URL("../../../../src/codec/thrift/testdata/rich.thrift", import.meta.url)));
const codec = (name: string, protocol: ThriftProtocol) => createStructCodec<any>(idl.struct(name), protocol);
const hexBytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const invalid = (re?: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && (!re || re.test(e.message));

const sample = {
  b: true, i8v: 1, i16v: -2, i32v: 3, i64v: -4n, d: 0.5, s: "text é", bin: new Uint8Array([1, 2]), li: [1, 2, 3],
  ss: new Set(["a"]), m: new Map([["k", 9n]]), inner: { id: 1 }, color: 2, deep: [[new Map([[1, new Set(["x"])]])]],
  choice: { s: "c" }, id: "00112233-4455-6677-8899-aabbccddeeff", structKeys: new Map([[{ id: 2 }, [true]]]), bools: [true, false],
  doubles: [1.5], blobs: new Map([[7n, new Uint8Array([3])]]), far: "far", implicitId: 5,
};

/** Decode and accept only success or an RpcError (never RangeError, TypeError, …). */
function decodeSafely(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): "ok" | "error" {
  try {
    decode(bytes);
    return "ok";
  } catch (e) {
    if (!(e instanceof RpcError)) throw new Error(`decoder threw ${String(e)} for ${Buffer.from(bytes).toString("hex")}`);
    return "error";
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 0x100000000; };
}

for (const protocol of ["binary", "compact"] as ThriftProtocol[]) {
  describe(`${protocol} decoder on bad input`, () => {
    it("rejects every truncation of a valid struct with INVALID_ARGUMENT", () => {
      const c = codec("All", protocol);
      const bytes = c.encode(sample);
      for (let n = 0; n < bytes.length; n++) assert.throws(() => c.decode(bytes.subarray(0, n)), invalid(), `prefix of ${n} bytes`);
      assert.deepEqual(c.decode(bytes), c.decode(c.encode(c.decode(bytes))));
    });

    it("rejects nesting past the depth limit, in known and in skipped fields", () => {
      const node = codec("Node", protocol);
      const deep = createStructCodec(idl.struct("Node"), protocol, { maxDepth: 500 });
      let v: any = { v: 0 };
      for (let i = 0; i < 200; i++) v = { v: i, next: v };
      const bytes = deep.encode(v);
      assert.throws(() => node.decode(bytes), invalid(/nested deeper than 64/));
      assert.throws(() => codec("Sub", protocol).decode(bytes), invalid(/nested deeper than 64/)); // all skipped
    });

    it("decodes a field of the wrong wire type as absent and rejects unknown wire types", () => {
      const bad = protocol === "binary" ? "11 0001 00" : "1e 00"; // type 0x11 / compact type 14
      assert.throws(() => codec("Inner", protocol).decode(hexBytes(bad)), invalid(/wire type/));
    });

    it("fuzz: random bytes and mutated valid structs never crash or hang the decoder", () => {
      const next = rng(protocol === "binary" ? 12345 : 54321);
      const decoders = ["All", "Node", "Defaults", "Choice"].map((n) => codec(n, protocol));
      const valid = codec("All", protocol).encode(sample);
      const started = Date.now();
      const outcomes = { ok: 0, error: 0 };
      for (let i = 0; i < 3000 && Date.now() - started < 4000; i++) {
        let bytes: Uint8Array;
        if (i % 2 === 0) {
          bytes = new Uint8Array(Math.floor(next() * 64));
          for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(next() * 256);
        } else {
          bytes = valid.slice();
          for (let k = 0, flips = 1 + Math.floor(next() * 4); k < flips; k++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        }
        for (const d of decoders) outcomes[decodeSafely((b) => d.decode(b), bytes)]++;
        outcomes[decodeSafely((b) => decodeMessageHeader(b), bytes)]++;
        outcomes[decodeSafely((b) => applicationExceptionCodec(protocol).decode(b), bytes)]++;
      }
      assert.ok(outcomes.error > 0 && outcomes.ok + outcomes.error >= 3000 * 6 * 0.5, JSON.stringify(outcomes));
    });
  });
}

describe("container and string sizes are checked before anything is allocated", () => {
  const cases: Array<[ThriftProtocol, string, string, RegExp]> = [
    ["binary", "list of 2^31-1 i32", "0f 0009 08 7fffffff 00000001", /2147483647 elements\/bytes but only 4 bytes remain/],
    ["binary", "list with a negative size", "0f 0009 08 80000000", /negative size/],
    ["binary", "map of 2^31-1 entries", "0d 000b 0b 0a 7fffffff", /2147483647/],
    ["binary", "string of 2^31-1 bytes", "0b 0007 7fffffff 61", /2147483647/],
    ["binary", "skipped list of 2^31-1 structs", "0f 0063 0c 7fffffff 00", /2147483647/],
    ["binary", "skipped map of 2^31-1 entries", "0d 0063 0b 0b 7fffffff", /2147483647/],
    ["compact", "list of 2^32-1 i32", "99 f5 ffffffff0f 02", /4294967295 elements\/bytes/],
    ["compact", "map of 2^31 entries", "bb 8080808008 86 00", /2147483648/],
    ["compact", "string of 2^31 bytes", "78 8080808008 61", /2147483648/],
    ["compact", "skipped list of 2^32-1 structs", "09 c6 01 fc ffffffff0f", /4294967295/],
    ["compact", "varint longer than 5 bytes", "99 f5 ffffffffff01", /varint longer than 5 bytes/],
  ];
  for (const [protocol, what, hex, re] of cases) {
    it(`${protocol}: ${what}`, () => {
      const before = process.memoryUsage().arrayBuffers;
      const started = process.hrtime.bigint();
      assert.throws(() => codec("All", protocol).decode(hexBytes(hex)), invalid(re));
      assert.ok(Number(process.hrtime.bigint() - started) < 50e6, "rejected at once");
      assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, "nothing large was allocated");
    });
  }

  it("an encoder refuses to grow past MAX_ENCODED_BYTES (1 GiB) before allocating", () => {
    const w = new ThriftWriter();
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(() => w.grow(MAX_ENCODED_BYTES + 1), (e: RpcError) => e.code === Code.ResourceExhausted && /would exceed 1073741824 bytes/.test(e.message));
    assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, "nothing large was allocated");
  });

  it("binary: a list header whose element type does not match the IDL", () => {
    assert.throws(() => codec("All", "binary").decode(hexBytes("0f 0009 0b 00000001 00000000 00")), invalid(/wire type 11, expected I32 elements/));
  });

  it("compact: a list whose element type does not match the IDL", () => {
    assert.throws(() => codec("All", "compact").decode(hexBytes("99 18 01 61 00")), invalid(/wire type 8, expected compact type 5 elements/));
  });

  it("compact: a map whose key type does not match the IDL", () => {
    assert.throws(() => codec("All", "compact").decode(hexBytes("bb 01 55 02 02 00")), invalid(/wire type 5/));
  });
});
