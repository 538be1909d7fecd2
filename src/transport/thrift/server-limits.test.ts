import assert from "node:assert/strict";
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { setImmediate as nextTurn, setTimeout as delay } from "node:timers/promises";
import { deflateSync } from "node:zlib";
import { afterEach, describe, it } from "node:test";
import { parseThrift } from "../../codec/thrift/service.js";
import { Code, RpcError } from "../../core/index.js";
import { Router, type MethodDescriptor } from "../../rpc/index.js";
import { MessageType, writeMessageHeader } from "./message.js";
import { thriftMethodOf } from "../../codec/thrift/index.js";
import { decodeTHeader, encodeTHeader } from "./theader.js";
import { resolveThriftServerOptions, ThriftServerEngine, type ThriftServerOptions } from "./server.js";
import { UnitReader } from "./unit-reader.js";
import { onceWithin, until } from "../../../test/helpers/wait.js";

const IDL = parseThrift("service T { string ping(1: string msg), binary big(1: i32 size), string hold(1: i32 id) }", { fileName: "limits.thrift" });
type Unary<I, O> = MethodDescriptor<I, O, "unary">;
const T = IDL.service<{ ping: Unary<{ msg: string }, string>; big: Unary<{ size: number }, Uint8Array>; hold: Unary<{ id: number }, string> }>("T");

/** A framed binary CALL of `method`. */
function call(method: MethodDescriptor, request: unknown, seqId: number): Buffer {
  const body = Buffer.concat([writeMessageHeader("binary", method.name, MessageType.Call, seqId), thriftMethodOf(method)!.encodeArgs("binary", request)]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** A THeader CALL of `method` with the zlib transform. */
function zlibCall(method: MethodDescriptor, request: unknown, seqId: number, transforms = [1]): Buffer {
  const message = Buffer.concat([writeMessageHeader("binary", method.name, MessageType.Call, seqId), thriftMethodOf(method)!.encodeArgs("binary", request)]);
  return encodeTHeader({ seqId, protocolId: 0, transforms }, message);
}

interface Fixture {
  readonly port: number;
  readonly engine: ThriftServerEngine;
  readonly logs: string[];
  /** The server side of each accepted connection. */
  readonly accepted: Socket[];
  readonly started: number[];
  release(id: number): void;
}

let listener: NetServer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise((r) => (listener ? listener.close(r) : r(undefined)));
  listener = undefined;
});

async function serve(options: ThriftServerOptions): Promise<Fixture> {
  const logs: string[] = [];
  const accepted: Socket[] = [];
  const started: number[] = [];
  const holds = new Map<number, () => void>();
  const router = new Router().service(T, {
    ping: ({ msg }) => msg,
    big: ({ size }) => new Uint8Array(size),
    hold: async ({ id }) => {
      started.push(id);
      await new Promise<void>((r) => holds.set(id, r));
      return `done ${id}`;
    },
  });
  const engine = new ThriftServerEngine(router, { log: (m) => logs.push(m), ...options });
  listener = createNetServer((s) => { accepted.push(s); engine.handleConnection(s); });
  await new Promise<void>((r) => listener!.listen(0, "127.0.0.1", r));
  const release = (id: number) => holds.get(id)?.();
  return { port: (listener.address() as AddressInfo).port, engine, logs, accepted, started, release };
}

async function client(port: number): Promise<Socket> {
  const s = connect(port, "127.0.0.1");
  sockets.push(s);
  await onceWithin(s, "connect");
  return s;
}

/** Read `count` reply units from `socket`; resolves with their seq ids. */
function replies(socket: Socket, count: number): Promise<number[]> {
  const reader = new UnitReader(64 << 20);
  const seqIds: number[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seqIds.length} of ${count} replies`)), 5000);
    socket.on("data", (d: Buffer) => {
      reader.push(d);
      for (let u = reader.next(); u; u = reader.next()) seqIds.push(u.kind === "theader" ? decodeTHeader(u.bytes).seqId : Buffer.from(u.bytes).readInt32BE(4 + 8 + Buffer.from(u.bytes).readUInt32BE(8)));
      if (seqIds.length >= count) { clearTimeout(timer); resolve(seqIds); }
    });
  });
}

describe("Thrift server limits: pipelining and backpressure", () => {
  it("handles at most maxPendingPerConnection messages of a connection at once", async () => {
    const f = await serve({ maxPendingPerConnection: 4 });
    const c = await client(f.port);
    const calls = Array.from({ length: 20 }, (_, i) => call(T.methods.hold, { id: i }, i + 1));
    const all = Buffer.concat(calls);
    const got = replies(c, 20);
    c.write(all);
    await until(() => f.accepted[0]?.bytesRead === all.length, "the server to receive every call");
    await nextTurn();
    assert.deepEqual(f.started, [0, 1, 2, 3], "four handlers started, the rest wait");
    for (let i = 0; i < 20; i++) {
      await until(() => f.started.includes(i), `call ${i} to start`);
      assert.ok(f.started.length <= i + 4, `${f.started.length} started with ${i} done`);
      f.release(i);
    }
    assert.deepEqual(await got, Array.from({ length: 20 }, (_, i) => i + 1), "replies in request order");
  });

  it("stops reading a connection whose replies are not taken, and resumes once they are", async () => {
    const f = await serve({ maxUnsentBytesPerConnection: 64 << 10 });
    const c = await client(f.port);
    c.pause(); // the client reads nothing for now
    let written = 0;
    const request = call(T.methods.big, { size: 256 << 10 }, 1);
    for (let i = 0; i < 400; i++) {
      written++;
      if (!c.write(request)) break;
    }
    const server = () => f.accepted[0]!;
    await until(() => server().isPaused() && server().writableLength > 64 << 10, "the server to pause reading");
    const read = server().bytesRead;
    await delay(100);
    assert.equal(server().bytesRead, read, "nothing more is read while replies wait");
    assert.ok(server().writableLength < (64 << 10) + 64 * (256 << 10), `${server().writableLength} bytes unsent`);
    const got = replies(c, written);
    c.resume();
    assert.equal((await got).length, written, "every call is answered once the client reads");
  });
});

describe("Thrift server limits: THeader zlib", () => {
  it("closes a connection whose frame lists zlib twice, with the reason logged", async () => {
    const f = await serve({});
    const c = await client(f.port);
    const frame = encodeTHeader({ seqId: 1, protocolId: 0 }, Buffer.from(deflateSync(deflateSync(Buffer.alloc(1 << 20)))));
    frame[15] = 2; // transforms: [1, 1] in place of [] and padding
    frame[16] = 1;
    frame[17] = 1;
    const closed = onceWithin(c, "close");
    c.write(frame);
    await Promise.race([closed, delay(3000).then(() => { throw new Error("not closed"); })]);
    assert.ok(f.logs.some((l) => /transform zlib listed 2 times/.test(l)), f.logs.join("\n"));
  });

  it("runs compressed messages one at a time per connection, within maxInflatedBytesInProgress per server", async () => {
    const f = await serve({ maxInflatedBytesInProgress: 1000 }); // less than one reservation: one message at a time
    const [a, b] = [await client(f.port), await client(f.port)];
    const fromA = replies(a, 2);
    const fromB = replies(b, 1);
    a.write(Buffer.concat([zlibCall(T.methods.hold, { id: 1 }, 1), zlibCall(T.methods.hold, { id: 2 }, 2)]));
    await until(() => f.started.length === 1, "the first call to start");
    b.write(zlibCall(T.methods.hold, { id: 3 }, 3));
    await until(() => f.accepted[1]?.bytesRead === zlibCall(T.methods.hold, { id: 3 }, 3).length, "the server to receive the other call");
    await nextTurn();
    assert.deepEqual(f.started, [1], "the budget holds one compressed message");
    f.release(1);
    await until(() => f.started.length === 2, "the next call to start");
    f.release(f.started[1]!);
    await until(() => f.started.length === 3, "the last call to start");
    f.release(f.started[2]!);
    assert.deepEqual([await fromA, await fromB], [[1, 2], [3]]);
  });

  it("keeps of the budget only what a payload inflated to, so small compressed calls run side by side", async () => {
    const f = await serve({ maxFrameBytes: 64 << 10, maxInflatedBytesInProgress: 128 << 10 }); // two inflates at once
    const clients = [await client(f.port), await client(f.port), await client(f.port), await client(f.port)];
    const answers = clients.map((c) => replies(c, 1));
    clients.forEach((c, i) => c.write(zlibCall(T.methods.hold, { id: i }, i)));
    await until(() => f.started.length === 4, "every call to start");
    for (let i = 0; i < 4; i++) f.release(i);
    assert.deepEqual(await Promise.all(answers), [[0], [1], [2], [3]]);
  });
});

describe("Thrift server limits: timeouts", () => {
  it("closes a connection whose message does not arrive whole within readTimeoutMs", async () => {
    const f = await serve({ readTimeoutMs: 200 });
    const c = await client(f.port);
    const closed = onceWithin(c, "close");
    const bytes = call(T.methods.ping, { msg: "x".repeat(1000) }, 1); // 1 byte every 20 ms: 20 s to send
    const started = Date.now();
    for (let i = 0; i < bytes.length - 1 && !c.destroyed && Date.now() - started < 5000; i++) {
      c.write(bytes.subarray(i, i + 1));
      await Promise.race([delay(20), closed]);
    }
    assert.ok(c.destroyed, `not closed after ${Date.now() - started} ms`);
    assert.ok(Date.now() - started >= 200, `closed after ${Date.now() - started} ms, before the timeout`);
    assert.ok(f.logs.some((l) => /did not arrive whole within 200 ms/.test(l)), f.logs.join("\n"));
  });

  it("closes a connection whose peer takes no replies within writeTimeoutMs", async () => {
    const f = await serve({ writeTimeoutMs: 300 });
    const c = await client(f.port);
    c.pause();
    await until(() => f.accepted.length > 0, "the server to accept");
    const closed = onceWithin(f.accepted[0]!, "close");
    const request = call(T.methods.big, { size: 1 << 20 }, 1);
    for (let i = 0; i < 16 && c.write(request); i++);
    await Promise.race([closed, delay(5000).then(() => { throw new Error("not closed"); })]);
    assert.ok(f.logs.some((l) => /did not take replies within 300 ms/.test(l)), f.logs.join("\n"));
  });

  it("closes idle connections but not one whose call runs longer than idleTimeoutMs", async () => {
    const f = await serve({ idleTimeoutMs: 100 });
    const busy = await client(f.port);
    const answer = replies(busy, 1);
    busy.write(call(T.methods.hold, { id: 7 }, 7));
    const idle = await client(f.port);
    await onceWithin(idle, "close", 3000, "close of the idle connection");
    assert.ok(!busy.destroyed && f.started.includes(7));
    f.release(7);
    assert.deepEqual(await answer, [7]);
  });

  it("close(graceMs) lets calls in progress answer for graceMs, then destroys their connections", async () => {
    const f = await serve({});
    const [quick, stuck] = [await client(f.port), await client(f.port)];
    const answered = replies(quick, 1);
    quick.write(call(T.methods.hold, { id: 1 }, 1));
    stuck.write(call(T.methods.hold, { id: 2 }, 2));
    await until(() => f.started.length === 2, "both calls to start");
    const start = Date.now();
    const closing = f.engine.close(300);
    f.release(1);
    assert.deepEqual(await answered, [1], "a call that ends within the grace is answered");
    await Promise.race([closing, delay(3000).then(() => { throw new Error("close did not resolve"); })]);
    assert.ok(Date.now() - start >= 250, `closed after ${Date.now() - start} ms`);
    assert.ok(stuck.destroyed || (await Promise.race([onceWithin(stuck, "close").then(() => true), delay(1000).then(() => false)])));
    f.release(2);
  });

  it("checks its options", () => {
    for (const bad of [{ maxUnsentBytesPerConnection: 0 }, { readTimeoutMs: -1 }, { writeTimeoutMs: 1.5 }, { idleTimeoutMs: 2 ** 31 }]) {
      assert.throws(() => resolveThriftServerOptions(bad), (e: RpcError) => e.code === Code.InvalidArgument && e.message.includes(Object.keys(bad)[0]!));
    }
    assert.equal(resolveThriftServerOptions({}).readTimeoutMs, 30_000);
  });
});
