/**
 * Weir's TTHeader server and client on the wire, against the golden frames of kitex.md section 13:
 * golden requests get golden replies byte for byte, and Weir's requests match the golden requests
 * (key sets compared, as Kitex's key order is not fixed).
 */
import assert from "node:assert/strict";
import { createServer as createNetServer, connect, type AddressInfo, type Server as NetServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { parseThrift } from "../../../src/codec/thrift/service.js";
import { Router, createClient, type MethodDescriptor } from "../../../src/index.js";
import { decodeTTHeader } from "../../../src/transport/ttheader/header.js";
import { bizError } from "../../../src/transport/ttheader/biz-error.js";
import { createTTHeaderTransport } from "../../../src/transport/thrift/client.js";
import { ThriftServerEngine } from "../../../src/transport/thrift/server.js";
import { GOLDEN_FRAMES } from "./golden-frames.js";
import { within } from "../../helpers/wait.js";

type U<I, O> = MethodDescriptor<I, O, "unary">;
const Echo = parseThrift("service Echo { string ping(1: string msg), i64 add(1: i64 a, 2: i64 b) }", { fileName: "echo.thrift" })
  .service<{ ping: U<{ msg: string }, string>; add: U<{ a: bigint; b: bigint }, bigint> }>("Echo");

const golden = (id: string) => Buffer.from(GOLDEN_FRAMES.find((g) => g.id === id)!.hex, "hex");

/** Send one frame to `port` and read one frame back. */
function roundTrip(port: number, frame: Buffer): Promise<Buffer> {
  return within(new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => s.write(frame));
    let got = Buffer.alloc(0);
    s.on("data", (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readUInt32BE(0)) { s.destroy(); resolve(got); }
    });
    s.on("error", reject);
  }), "the reply frame");
}

describe("TTHeader on the wire vs kitex.md golden frames", () => {
  let listener: NetServer;
  let port = 0;
  let bizMode = false;

  before(async () => {
    const router = new Router();
    router.service(Echo, {
      ping: ({ msg }) => { if (bizMode) throw bizError(1001, "bad input", { k: "v" }); return msg; },
      add: ({ a, b }) => a + b,
    });
    const engine = new ThriftServerEngine(router, { log: () => {} });
    listener = createNetServer((s) => engine.handleConnection(s));
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    port = (listener.address() as AddressInfo).port;
  });

  after(() => new Promise((r) => listener.close(r)));

  it("answers 13.1 with 13.3 byte for byte", async () => {
    assert.equal((await roundTrip(port, golden("13.1"))).toString("hex"), golden("13.3").toString("hex"));
  });

  it("answers 13.2 (the full ClientTTHeaderHandler key set) with 13.3 byte for byte", async () => {
    assert.equal((await roundTrip(port, golden("13.2"))).toString("hex"), golden("13.3").toString("hex"));
  });

  it("answers 13.1 with 13.7 byte for byte when the handler throws a business error", async () => {
    bizMode = true;
    try {
      assert.equal((await roundTrip(port, golden("13.1"))).toString("hex"), golden("13.7").toString("hex"));
    } finally {
      bizMode = false;
    }
  });

  it("answers 13.4 with 13.5's payload (plus MsgType, as ServerTTHeaderHandler writes)", async () => {
    const reply = decodeTTHeader(await roundTrip(port, golden("13.4")));
    const expected = decodeTTHeader(golden("13.5"));
    assert.equal(Buffer.from(reply.payload).toString("hex"), Buffer.from(expected.payload).toString("hex"));
    assert.deepEqual(Object.fromEntries(reply.intInfo), { 22: "2" });
    assert.equal(reply.seqId, 2);
  });

  it("answers a call of an unknown method with 13.8 byte for byte", async () => {
    const call = Buffer.from("800100010000000470696e6700000001".replace("70696e67", "6e6f7065") + "00", "hex");
    const frame = Buffer.concat([golden("13.1").subarray(0, 50), call]);
    frame.writeUInt32BE(frame.length - 4, 0);
    assert.equal((await roundTrip(port, frame)).toString("hex"), golden("13.8").toString("hex"));
  });

  it("sends 13.1 as Weir's request for ping(\"hello\") with a 1000 ms timeout (key sets compared)", async () => {
    let captured: Buffer | undefined;
    const fake = createNetServer((s) => s.once("data", (d) => { captured = d; s.write(golden("13.3")); }));
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    const t = createTTHeaderTransport({ target: `127.0.0.1:${(fake.address() as AddressInfo).port}` });
    try {
      assert.equal(await createClient(Echo, t).ping({ msg: "hello" }, { timeoutMs: 1000 }), "hello");
    } finally {
      await t.close();
      await new Promise((r) => fake.close(r));
    }
    const ours = decodeTTHeader(captured!);
    const theirs = decodeTTHeader(golden("13.1"));
    assert.deepEqual(Object.fromEntries(ours.strInfo), Object.fromEntries(theirs.strInfo));
    assert.equal(ours.intInfo.get(9), "ping");
    assert.ok(Number(ours.intInfo.get(12)) <= 1000 && Number(ours.intInfo.get(12)) >= 990);
    assert.deepEqual([ours.seqId, ours.flags, ours.protocolId], [theirs.seqId, theirs.flags, theirs.protocolId]);
    assert.equal(Buffer.from(ours.payload).toString("hex"), Buffer.from(theirs.payload).toString("hex"));
  });
});
