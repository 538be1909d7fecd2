// Backpressure: the client pulls requests only as HTTP/2 flow control allows, and stops reading
// the connection while the caller does not pull responses.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { after, describe, it } from "node:test";
import { createClient } from "../../index.js";
import { Echo, envelope, startRawServer, type RawServer } from "./client-fixture.js";
import { createGrpcTransport, type GrpcTransport } from "./index.js";
import { onceWithin } from "../../../test/helpers/wait.js";

const GRPC = { ":status": 200, "content-type": "application/grpc" };

/** Let the event loop run `turns` times, so that anything that could happen does. */
async function settle(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

describe("grpc client flow control", () => {
  const servers: RawServer[] = [];
  const transports: GrpcTransport[] = [];
  after(async () => {
    for (const t of transports) await t.close();
    for (const s of servers) await s.close();
  });

  it("pulls the request stream only as fast as the server reads", async () => {
    const events = new EventEmitter();
    let serverStream!: import("node:http2").ServerHttp2Stream;
    const server = await startRawServer((stream) => {
      serverStream = stream;
      stream.pause(); // read nothing until told
      events.emit("started");
      let received = 0;
      stream.on("data", (c: Buffer) => (received += c.length));
      stream.on("end", () => {
        stream.respond(GRPC, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(envelope(Echo.methods.Unary.output.encode({ text: String(received), payload: new Uint8Array(0), index: 0 })));
      });
    });
    servers.push(server);
    const transport = createGrpcTransport({ target: server.target });
    transports.push(transport);
    const MESSAGES = 400, SIZE = 16 << 10;
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < MESSAGES; i++) {
        pulled++;
        yield { payload: new Uint8Array(SIZE) };
      }
    }
    const started = onceWithin(events, "started");
    const result = createClient(Echo, transport).ClientStream(source());
    await started;
    await settle();
    assert.ok(pulled < 40, `pulled ${pulled} of ${MESSAGES} messages while the server read nothing`);
    serverStream.resume();
    const reply = await result;
    assert.equal(pulled, MESSAGES);
    assert.equal(Number(reply.text), MESSAGES * (5 + SIZE + 3 + 1)); // envelope + field tag + 3-byte length
  });

  it("stops reading the response stream while the caller does not pull", async () => {
    const MESSAGES = 200, SIZE = 64 << 10;
    const events = new EventEmitter();
    const server = await startRawServer((stream) => {
      stream.respond(GRPC, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      const body = envelope(Echo.methods.Unary.output.encode({ text: "", payload: new Uint8Array(SIZE), index: 0 }));
      let sent = 0, bytes = 0;
      const pump = () => {
        while (sent < MESSAGES) {
          sent++;
          bytes += body.length;
          if (!stream.write(body)) {
            events.emit("blocked", bytes);
            return void stream.once("drain", pump);
          }
        }
        stream.end();
      };
      pump();
    });
    servers.push(server);
    const transport = createGrpcTransport({ target: server.target });
    transports.push(transport);
    let sentWhenBlocked = 0;
    events.on("blocked", (b: number) => (sentWhenBlocked = b));
    const it = createClient(Echo, transport).ServerStream({})[Symbol.asyncIterator]();
    assert.equal((await it.next()).done, false);
    await settle(200); // the server writes until flow control stops it
    assert.ok(sentWhenBlocked > 0 && sentWhenBlocked < 6 << 20, `the server got ${sentWhenBlocked} bytes out while the client read one message`);
    let n = 1;
    for (let r = await it.next(); !r.done; r = await it.next()) n++;
    assert.equal(n, MESSAGES);
  });
});
