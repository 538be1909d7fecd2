// The client against raw node:http2 servers sending what a well-behaved gRPC server never would.
import assert from "node:assert/strict";
import http2 from "node:http2";
import zlib from "node:zlib";
import { after, describe, it } from "node:test";
import { Code, createClient, outgoing } from "../../index.js";
import { Echo, envelope, readBody, startRawServer, type RawServer } from "./client-fixture.js";
import { createGrpcTransport, type GrpcTransport } from "./index.js";
import { rejectsWith } from "../../../test/helpers/rpc.js";
import { until } from "../../../test/helpers/wait.js";

const GRPC = { ":status": 200, "content-type": "application/grpc" };
const reply = (text: string) => Buffer.from(Echo.methods.Unary.output.encode({ text, payload: new Uint8Array(0), index: 0 }));

/** Answer a unary call with the given body chunks and trailers (or none). */
function respond(stream: http2.ServerHttp2Stream, chunks: Buffer[], trailers: http2.OutgoingHttpHeaders | undefined, headers: http2.OutgoingHttpHeaders = GRPC): void {
  stream.respond(headers, trailers ? { waitForTrailers: true } : {});
  if (trailers) stream.on("wantTrailers", () => stream.sendTrailers(trailers));
  for (const c of chunks.slice(0, -1)) stream.write(c);
  stream.end(chunks.at(-1));
}

describe("grpc client against raw HTTP/2 servers", () => {
  const servers: RawServer[] = [];
  const transports: GrpcTransport[] = [];
  after(async () => {
    for (const t of transports) await t.close();
    for (const s of servers) await s.close();
  });
  async function clientFor(handler: Parameters<typeof startRawServer>[0], limits?: { maxReceiveMessageBytes?: number }) {
    const server = await startRawServer(handler);
    servers.push(server);
    const transport = createGrpcTransport({ target: server.target, limits });
    transports.push(transport);
    return createClient(Echo, transport);
  }

  it("sends the gRPC request headers", async () => {
    let seen: http2.IncomingHttpHeaders = {};
    const client = await clientFor((stream, headers) => {
      seen = headers;
      void readBody(stream).then(() => respond(stream, [envelope(reply("ok"))], { "grpc-status": "0" }));
    });
    await client.Unary({}, { timeoutMs: 5000, metadata: { "x-a": "1", "x-b-bin": new Uint8Array([255]) } });
    assert.equal(seen[":method"], "POST");
    assert.equal(seen[":path"], "/weir.test.Echo/Unary");
    assert.equal(seen["content-type"], "application/grpc");
    assert.equal(seen["te"], "trailers");
    assert.match(String(seen["user-agent"]), /^weir\/\d/);
    assert.equal(seen["grpc-accept-encoding"], "gzip,deflate,identity");
    assert.match(String(seen["grpc-timeout"]), /^\d+m$/);
    assert.ok(Number(String(seen["grpc-timeout"]).slice(0, -1)) <= 5000);
    assert.equal(seen["x-a"], "1");
    assert.equal(seen["x-b-bin"], "/w");
    assert.equal(seen["grpc-encoding"], undefined);
  });

  it("each call's grpc-timeout is its own time left (reused header objects never carry another call's)", async () => {
    const seen: string[] = [];
    const client = await clientFor((stream, headers) => {
      seen.push(String(headers["grpc-timeout"] ?? "none"));
      void readBody(stream).then(() => respond(stream, [envelope(reply("ok"))], { "grpc-status": "0" }));
    });
    const limits = [5000, 5000, 300, 5000, 2e8, 0];
    for (const ms of limits) await client.Unary({}, ms === 0 ? {} : { timeoutMs: ms });
    const asMs = (v: string) => Number(v.slice(0, -1)) * ({ m: 1, n: 1e-6, S: 1000, H: 3_600_000 } as Record<string, number>)[v.at(-1)!]!;
    for (const [i, ms] of limits.entries()) {
      if (ms === 0) { assert.equal(seen[i], "none"); continue; }
      const sent = asMs(seen[i]!);
      assert.ok(sent <= Math.max(ms, 1) * 1.000001 + 1 && sent >= ms * 0.9, `call ${i} with ${ms} ms sent ${seen[i]}`);
    }
    assert.match(seen[4]!, /S$/, "beyond 8 digits of ms goes in seconds");
  });

  it("a message cut short before the end -> INTERNAL", async () => {
    const client = await clientFor((stream) => respond(stream, [envelope(reply("whole")).subarray(0, 6)], { "grpc-status": "0" }));
    await rejectsWith(client.Unary({}), Code.Internal, /ended inside a message/);
  });

  it("HTTP 503 -> UNAVAILABLE, 404 -> UNIMPLEMENTED", async () => {
    const c503 = await clientFor((stream) => respond(stream, [Buffer.from("busy")], undefined, { ":status": 503, "content-type": "text/plain" }));
    await rejectsWith(c503.Unary({}), Code.Unavailable, /503/);
    const c404 = await clientFor((stream) => respond(stream, [Buffer.from("no")], undefined, { ":status": 404 }));
    await rejectsWith(c404.Unary({}), Code.Unimplemented, /404/);
  });

  it("trailers without grpc-status -> UNKNOWN", async () => {
    const client = await clientFor((stream) => respond(stream, [envelope(reply("x"))], { "x-other": "1" }));
    await rejectsWith(client.Unary({}), Code.Unknown, /grpc-status/);
  });

  it("no trailers at all -> INTERNAL", async () => {
    const client = await clientFor((stream) => respond(stream, [envelope(reply("x"))], undefined));
    await rejectsWith(client.Unary({}), Code.Internal, /without trailers/);
  });

  it("a length prefix over the receive limit -> RESOURCE_EXHAUSTED, without waiting for the body", async () => {
    const client = await clientFor((stream) => {
      stream.respond(GRPC);
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(64 << 20, 1);
      stream.write(prefix); // and never more
    }, { maxReceiveMessageBytes: 1 << 20 });
    await rejectsWith(client.Unary({}), Code.ResourceExhausted, /exceeds the limit/);
  });

  it("a compressed response that inflates past the receive limit (a zip bomb) -> RESOURCE_EXHAUSTED", async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(8 << 20)); // 8 MiB of zeros in a few KiB
    const client = await clientFor((stream) => respond(stream, [envelope(bomb, true)], { "grpc-status": "0" }, { ...GRPC, "grpc-encoding": "gzip" }), { maxReceiveMessageBytes: 1 << 20 });
    await rejectsWith(client.Unary({}), Code.ResourceExhausted, /(decompressed message exceeds|gzip trailer declares \d+ bytes decompressed, over) the limit of 1048576 bytes/);
  });

  it("response metadata over the limit -> RESOURCE_EXHAUSTED", async () => {
    const client = await clientFor((stream) => respond(stream, [envelope(reply("x"))], { "grpc-status": "0" }, { ...GRPC, "x-big": "v".repeat(10_000) }));
    await rejectsWith(client.Unary({}), Code.ResourceExhausted, /response metadata of \d+ bytes exceeds the limit of 8192 bytes/);
  });

  it("a 200 with another content-type -> UNKNOWN", async () => {
    const client = await clientFor((stream) => respond(stream, [Buffer.from("<html>")], undefined, { ":status": 200, "content-type": "text/html" }));
    await rejectsWith(client.Unary({}), Code.Unknown, /content-type/);
  });

  it("trailers-only responses carry the status, message and metadata", async () => {
    const client = await clientFor((stream) =>
      stream.respond({ ...GRPC, "grpc-status": "7", "grpc-message": "no %E2%98%83 for you", "x-why": "policy" }, { endStream: true }));
    const e = await rejectsWith(client.Unary({}), Code.PermissionDenied);
    assert.equal(e.rawMessage, "no ☃ for you");
    assert.equal(e.metadata.get("x-why"), "policy");
  });

  it("an out-of-range grpc-status -> UNKNOWN", async () => {
    const client = await clientFor((stream) => stream.respond({ ...GRPC, "grpc-status": "99" }, { endStream: true }));
    await rejectsWith(client.Unary({}), Code.Unknown);
  });

  it("unary with OK and zero or two messages -> UNIMPLEMENTED", async () => {
    const none = await clientFor((stream) => stream.respond({ ...GRPC, "grpc-status": "0" }, { endStream: true }));
    await rejectsWith(none.Unary({}), Code.Unimplemented, /no response message/);
    const two = await clientFor((stream) => respond(stream, [envelope(reply("a")), envelope(reply("b"))], { "grpc-status": "0" }));
    await rejectsWith(two.Unary({}), Code.Unimplemented, /more than one/);
  });

  it("invalid protobuf in a response -> INTERNAL", async () => {
    const client = await clientFor((stream) => respond(stream, [envelope(Buffer.from([0x0a, 0xff, 0xff]))], { "grpc-status": "0" }));
    await rejectsWith(client.Unary({}), Code.Internal);
  });

  it("a compressed flag without grpc-encoding -> INTERNAL", async () => {
    const client = await clientFor((stream) => respond(stream, [envelope(reply("x"), true)], { "grpc-status": "0" }));
    await rejectsWith(client.Unary({}), Code.Internal, /grpc-encoding/);
  });

  it("an unknown response encoding -> INTERNAL", async () => {
    const client = await clientFor((stream) =>
      respond(stream, [envelope(reply("x"), true)], { "grpc-status": "0" }, { ...GRPC, "grpc-encoding": "snappy" }));
    await rejectsWith(client.Unary({}), Code.Internal, /snappy/);
  });

  it("RST_STREAM codes map as gRPC says", async () => {
    const cases: [number, Code][] = [
      [http2.constants.NGHTTP2_REFUSED_STREAM, Code.Unavailable],
      [http2.constants.NGHTTP2_CANCEL, Code.Canceled],
      [http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, Code.ResourceExhausted],
      [http2.constants.NGHTTP2_INTERNAL_ERROR, Code.Internal],
      [http2.constants.NGHTTP2_NO_ERROR, Code.Internal],
    ];
    for (const [rst, code] of cases) {
      const client = await clientFor((stream) => stream.close(rst));
      await rejectsWith(client.Unary({}), code);
    }
  });

  it("a stream the server refused is sent once more, transparently", async () => {
    let streams = 0;
    const client = await clientFor((stream) => {
      if (++streams === 1) return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      void readBody(stream).then(() => respond(stream, [envelope(reply("second"))], { "grpc-status": "0" }));
    });
    assert.equal((await client.Unary({})).text, "second");
    assert.equal(streams, 2);
    const always = await clientFor((stream) => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM));
    await rejectsWith(always.Unary({}), Code.Unavailable, /REFUSED_STREAM/);
  });

  it("deadline and abort reset the stream with CANCEL", async () => {
    const resets: number[] = [];
    let started!: () => void;
    const client = await clientFor((stream) => {
      stream.on("close", () => resets.push(stream.rstCode));
      stream.respond(GRPC);
      started();
    });
    let onStarted = new Promise<void>((r) => (started = r));
    await rejectsWith(client.Unary({}, { timeoutMs: 50 }), Code.DeadlineExceeded);
    await onStarted;
    onStarted = new Promise<void>((r) => (started = r));
    const ac = new AbortController();
    const call = client.Unary({}, { signal: ac.signal });
    await onStarted;
    ac.abort();
    await rejectsWith(call, Code.Canceled);
    await until(() => resets.length === 2, "both streams to be reset", 2000);
    assert.deepEqual(resets, [http2.constants.NGHTTP2_CANCEL, http2.constants.NGHTTP2_CANCEL]);
  });

  it("compresses requests (gzip, deflate) and honours per-message opt-out; inflates responses", async () => {
    const seen: { encoding: unknown; flags: number[]; texts: string[] }[] = [];
    const client = await clientFor((stream, headers) => {
      void readBody(stream).then((body) => {
        const enc = headers["grpc-encoding"];
        const flags: number[] = [], texts: string[] = [];
        for (let off = 0; off < body.length;) {
          const len = body.readUInt32BE(off + 1);
          let payload = body.subarray(off + 5, off + 5 + len);
          flags.push(body[off]!);
          if (body[off] === 1) payload = enc === "gzip" ? zlib.gunzipSync(payload) : zlib.inflateSync(payload);
          texts.push(Echo.methods.Unary.input.decode(payload).text ?? "");
          off += 5 + len;
        }
        seen.push({ encoding: enc, flags, texts });
        respond(stream, [envelope(zlib.deflateSync(reply(texts.join("+"))), true)], { "grpc-status": "0" }, { ...GRPC, "grpc-encoding": "deflate" });
      });
    });
    assert.equal((await client.Unary({ text: "g" }, { compression: "gzip" })).text, "g");
    assert.equal((await client.ClientStream([{ text: "a" }, outgoing({ text: "b" }, { compress: false })], { compression: "deflate" })).text, "a+b");
    assert.equal((await client.Unary({ text: "plain" })).text, "plain");
    assert.deepEqual(seen, [
      { encoding: "gzip", flags: [1], texts: ["g"] },
      { encoding: "deflate", flags: [1, 0], texts: ["a", "b"] },
      { encoding: undefined, flags: [0], texts: ["plain"] },
    ]);
  });
});
