// Bounded fuzzing: random and mutated envelopes into the EnvelopeReader and into a live server.
// Nothing may crash or hang; every failure is an RpcError with a code; the server keeps serving.
import assert from "node:assert/strict";
import http2 from "node:http2";
import zlib from "node:zlib";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../index.js";
import { createServer } from "./grpc-server.js";
import { EnvelopeReader } from "./envelope.js";
import { Echo, frame, rawRequest, rawSession, rawStatus, unframe } from "./server-fixture.js";

const SEED = Number(process.env["WEIR_FUZZ_SEED"] ?? 0x5eed);

/** xorshift32: a small deterministic generator, so that a failure can be replayed from its seed. */
function rng(seed: number): { int(n: number): number; bytes(n: number): Buffer } {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
  return {
    int: (n) => next() % n,
    bytes: (n) => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = next() & 0xff;
      return b;
    },
  };
}

type Rng = ReturnType<typeof rng>;

function mutate(r: Rng, input: Buffer): Buffer {
  const b = Buffer.from(input);
  switch (r.int(5)) {
    case 0: // flip some bytes
      for (let i = 0, n = 1 + r.int(4); i < n && b.length > 0; i++) b[r.int(b.length)] = r.int(256);
      return b;
    case 1: // truncate
      return b.subarray(0, r.int(b.length + 1));
    case 2: // insert random bytes
      return Buffer.concat([b.subarray(0, r.int(b.length + 1)), r.bytes(1 + r.int(16)), b.subarray(r.int(b.length + 1))]);
    case 3: // a length prefix from anywhere in the u32 range
      if (b.length >= 5) b.writeUInt32BE(r.int(2 ** 32), 1);
      return b;
    default:
      return r.bytes(r.int(64));
  }
}

function validStream(r: Rng): { bytes: Buffer; payloads: Buffer[] } {
  const payloads = Array.from({ length: r.int(6) }, () => r.bytes(r.int(r.int(10) === 0 ? 3000 : 40)));
  return { bytes: Buffer.concat(payloads.map((p) => frame(p))), payloads };
}

/** Feed `bytes` cut into random chunks; returns the payloads read, or the RpcError thrown. */
function readAll(r: Rng, bytes: Buffer, max: number): Buffer[] | RpcError {
  const reader = new EnvelopeReader(max);
  const out: Buffer[] = [];
  try {
    for (let at = 0; at < bytes.length;) {
      const n = 1 + r.int(Math.min(64, bytes.length - at));
      reader.push(bytes.subarray(at, at + n), (_c, p) => out.push(Buffer.from(p)));
      at += n;
    }
    reader.finish();
    return out;
  } catch (e) {
    assert.ok(e instanceof RpcError, `threw ${String(e)}`);
    return e;
  }
}

describe("fuzzing the envelope decoder", { timeout: 30_000 }, () => {
  it("reads valid streams the same however they are chunked, and fails mutated ones with a code", () => {
    const r = rng(SEED);
    const deadline = Date.now() + 3000;
    let i = 0;
    for (; i < 20_000 && Date.now() < deadline; i++) {
      const { bytes, payloads } = validStream(r);
      const got = readAll(r, bytes, 4096);
      assert.deepEqual(got, payloads, `seed ${SEED}, iteration ${i}`);
      const bad = readAll(r, mutate(r, bytes), 4096);
      if (bad instanceof RpcError) assert.ok([Code.Internal, Code.ResourceExhausted].includes(bad.code), `${bad.message} (seed ${SEED}, iteration ${i})`);
    }
    assert.ok(i >= 100, `only ${i} iterations ran`);
  });
});

describe("fuzzing a live server", { timeout: 60_000 }, () => {
  it("answers every random or mutated request with a status and keeps serving", async () => {
    const server = createServer({ limits: { maxReceiveMessageBytes: 64 * 1024 } }).service(Echo, {
      Unary: (req) => req,
      async *ServerStream(req) {
        for (let i = 0; i < 3; i++) yield req;
      },
      async ClientStream(reqs) {
        let n = 0;
        for await (const _ of reqs) n++;
        return { index: n };
      },
      async *Bidi(reqs) {
        for await (const q of reqs) yield q;
      },
    });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    const r = rng(SEED ^ 0x9e3779b9);
    const methods = ["Unary", "ServerStream", "ClientStream", "Bidi", "Missing"];
    const encodings = [undefined, "identity", "gzip", "deflate", "snappy"];
    const deadline = Date.now() + 8000;
    const codes = new Map<string, number>();
    let sessions: http2.ClientHttp2Session[] = [];
    try {
      sessions = await Promise.all([0, 1, 2, 3].map(() => rawSession(port)));
      let sent = 0;
      for (let batch = 0; batch < 40 && Date.now() < deadline; batch++) {
        await Promise.all(Array.from({ length: 16 }, async (_, k) => {
          const method = methods[r.int(methods.length)]!;
          const encoding = encodings[r.int(encodings.length)];
          const messages = Array.from({ length: r.int(4) }, () => {
            const payload = Buffer.from(Echo.methods.Unary.input.encode({ text: "x".repeat(r.int(50)), count: r.int(1000) }));
            const compressed = encoding === "gzip" || encoding === "deflate" ? r.int(3) > 0 : r.int(8) === 0;
            const body = compressed ? (encoding === "deflate" ? zlib.deflateSync(payload) : zlib.gzipSync(payload)) : payload;
            return frame(body, compressed);
          });
          const bytes = r.int(2) === 0 ? mutate(r, Buffer.concat(messages)) : Buffer.concat(messages);
          const headers: http2.OutgoingHttpHeaders = { "grpc-timeout": "5S" };
          if (encoding !== undefined) headers["grpc-encoding"] = encoding;
          const res = await rawRequest(sessions[k % sessions.length]!, `/weir.test.server.Echo/${method}`, bytes, { headers });
          const code = rawStatus(res).code;
          assert.ok(Number.isInteger(code) && code >= 0 && code <= 16, `a gRPC status for ${method} (${JSON.stringify(res.headers)})`);
          codes.set(Code[code]!, (codes.get(Code[code]!) ?? 0) + 1);
          for (const env of unframe(res.body)) assert.ok(env.payload.length <= 64 * 1024);
          sent++;
        }));
      }
      assert.ok(sent >= 64, `only ${sent} requests ran`);
      assert.ok((codes.get("Ok") ?? 0) > 0 && (codes.get("Internal") ?? 0) > 0, `a mix of outcomes: ${JSON.stringify([...codes])}`);
      const check = await rawRequest(sessions[0]!, "/weir.test.server.Echo/Unary", frame(Echo.methods.Unary.input.encode({ text: "alive" })));
      assert.equal(Echo.methods.Unary.output.decode(unframe(check.body)[0]!.payload).text, "alive");
      assert.equal(server.engine.activeCalls, 0, "no call left behind");
    } finally {
      for (const s of sessions) s.destroy();
      await server.close({ graceMs: 0 });
    }
  });
});
