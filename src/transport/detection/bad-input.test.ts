import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { parseThrift } from "../../codec/thrift/service.js";
import { createClient, type ClientTransport, type MethodDescriptor } from "../../rpc/index.js";
import { createServer } from "../grpc/grpc-server.js";
import { decodeTTHeader } from "../ttheader/header.js";
import { decodeAppException, AppExceptionType } from "../thrift/app-exception.js";
import { createThriftTransport } from "../thrift/client.js";
import { MessageType, readMessageHeader, writeMessageHeader } from "../thrift/message.js";
import { listenAllProtocols, type MultiProtocolServer } from "./serve.js";

const Svc = parseThrift("service Echo { string ping(1: string msg) }", { fileName: "bad.thrift" })
  .service<{ ping: MethodDescriptor<{ msg: string }, string, "unary"> }>("Echo");

/** Connect, send `bytes`, and collect what comes back until the server closes the connection. */
function exchange(
  port: number, bytes: Buffer, opts: { end?: boolean; until?: (reply: Buffer) => boolean } = {},
): Promise<{ reply: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s: Socket = connect(port, "127.0.0.1", () => {
      s.write(bytes);
      if (opts.end) s.end();
    });
    const timer = setTimeout(() => { s.destroy(); resolve({ reply: Buffer.concat(chunks), closed: false }); }, 3000);
    s.on("data", (d) => {
      chunks.push(d);
      if (opts.until?.(Buffer.concat(chunks))) { clearTimeout(timer); s.destroy(); resolve({ reply: Buffer.concat(chunks), closed: false }); }
    });
    s.on("error", reject);
    s.on("close", () => { clearTimeout(timer); resolve({ reply: Buffer.concat(chunks), closed: true }); });
  });
}

const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };

describe("bad input on the shared port: the connection closes, the server and other connections go on", () => {
  let server: MultiProtocolServer;
  let port = 0;
  const logs: string[] = [];
  let bystander: ClientTransport;
  let ping: (msg: string) => Promise<string>;

  before(async () => {
    const weir = createServer({ health: false, reflection: false }).service(Svc, { ping: ({ msg }) => msg });
    server = await listenAllProtocols(weir, { host: "127.0.0.1", thrift: { maxFrameBytes: 1 << 16 }, log: (m) => logs.push(m), sniffTimeoutMs: 500 });
    port = server.address.port;
    bystander = createThriftTransport({ target: `127.0.0.1:${port}`, transport: "ttheader", maxConnections: 1 });
    const c = createClient(Svc, bystander);
    ping = (msg) => c.ping({ msg });
    assert.equal(await ping("before"), "before"); // keeps one connection open through every test
  });

  after(async () => {
    await bystander.close();
    await server.close({ graceMs: 100 });
  });

  const stillServing = async () => assert.equal(await ping("after"), "after");

  it("a frame length over the limit closes that connection and logs why", async () => {
    logs.length = 0;
    const { closed } = await exchange(port, Buffer.concat([u32((1 << 16) + 1), Buffer.from("80010001", "hex")]));
    assert.ok(closed);
    assert.ok(logs.some((l) => /exceeds the limit of 65536 bytes/.test(l)), logs.join("\n"));
    await stillServing();
  });

  it("a truncated frame followed by a hang-up leaves nothing behind", async () => {
    const call = Buffer.concat([writeMessageHeader("binary", "ping", MessageType.Call, 1), Buffer.from("0b0001000000", "hex")]);
    const { reply, closed } = await exchange(port, Buffer.concat([u32(call.length + 50), call]), { end: true });
    assert.ok(closed);
    assert.equal(reply.length, 0);
    await stillServing();
  });

  it("garbage, HTTP/1.1 and silence are closed by detection", async () => {
    for (const bytes of [Buffer.from("ffffffffffffffffffff", "hex"), Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Buffer.from("00", "hex")]) {
      logs.length = 0;
      const { closed, reply } = await exchange(port, bytes);
      assert.ok(closed && reply.length === 0);
      assert.ok(logs.some((l) => /unknown protocol|no protocol recognised/.test(l)), logs.join("\n"));
    }
    await stillServing();
  });

  it("an unknown method gets TApplicationException UNKNOWN_METHOD and the connection stays usable", async () => {
    const call = Buffer.concat([writeMessageHeader("binary", "nope", MessageType.Call, 9), Buffer.from([0])]);
    const ok = Buffer.concat([writeMessageHeader("binary", "ping", MessageType.Call, 10), Buffer.from("0b00010000000178", "hex"), Buffer.from([0])]);
    const twoFrames = (b: Buffer) => b.length >= 4 && b.length >= 8 + b.readUInt32BE(0) && b.length >= 8 + b.readUInt32BE(0) + b.readUInt32BE(4 + b.readUInt32BE(0));
    const { reply } = await exchange(port, Buffer.concat([u32(call.length), call, u32(ok.length), ok]), { until: twoFrames });
    const first = reply.subarray(4, 4 + reply.readUInt32BE(0));
    const h = readMessageHeader(first)!;
    assert.deepEqual([h.name, h.type, h.seqId], ["nope", MessageType.Exception, 9]);
    assert.equal(decodeAppException("binary", first, h.bodyOffset).type, AppExceptionType.UnknownMethod);
    const second = reply.subarray(4 + first.length);
    assert.equal(readMessageHeader(second.subarray(4))!.type, MessageType.Reply);
  });

  it("a TTHeader with a compact payload (kitex.md 13.9) is refused with INVALID_PROTOCOL, then closed", async () => {
    const golden = Buffer.from("0000002a1000000000000001000402001000010009000470696e670000008221010470696e67180568656c6c6f00", "hex");
    const { reply, closed } = await exchange(port, golden);
    assert.ok(closed);
    const tt = decodeTTHeader(reply);
    const h = readMessageHeader(tt.payload)!;
    assert.deepEqual([h.name, h.type, h.seqId], ["ping", MessageType.Exception, 1]);
    const e = decodeAppException("binary", tt.payload, h.bodyOffset);
    assert.equal(e.type, AppExceptionType.InvalidProtocol);
    assert.match(e.message, /unsupported ProtocolID\[2\]/);
    await stillServing();
  });

  it("TTHeader Streaming (kitex.md 13.11a) is closed: not served on this port", async () => {
    logs.length = 0;
    const header = Buffer.from("000000321000000200000001000a1000010001000369736e00044563686f1000020009000a53747265616d4563686f001b0001320000", "hex");
    const { closed } = await exchange(port, header);
    assert.ok(closed);
    assert.ok(logs.some((l) => /TTHeader Streaming/.test(l)), logs.join("\n"));
    await stillServing();
  });
});
