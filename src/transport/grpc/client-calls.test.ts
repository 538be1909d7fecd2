import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, Metadata, createClient, outgoing } from "../../index.js";
import { Echo, startGrpcJsServer, type EchoRequest, type PeerServer } from "./client-fixture.js";
import { createGrpcTransport, type GrpcTransport } from "./index.js";
import { rejectsWith } from "../../../test/helpers/rpc.js";

async function* requests(texts: string[]): AsyncGenerator<EchoRequest> {
  for (const text of texts) yield { text };
}

describe("grpc client against a @grpc/grpc-js server: the four call kinds", () => {
  let server: PeerServer;
  let transport: GrpcTransport;
  let client: ReturnType<typeof createClient<typeof Echo.methods>>;
  before(async () => {
    server = await startGrpcJsServer();
    transport = createGrpcTransport({ target: server.target });
    client = createClient(Echo, transport);
  });
  after(async () => {
    await transport.close();
    await server.close();
  });

  it("unary", async () => {
    const r = await client.Unary({ text: "hi", size: 3 });
    assert.equal(r.text, "hi");
    assert.deepEqual([...r.payload], [7, 7, 7]);
    assert.equal(transport.state, "ready");
  });

  it("many concurrent unary calls share one connection", async () => {
    const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => client.Unary({ text: `m${i}` })));
    assert.deepEqual(rs.map((r) => r.text), Array.from({ length: 200 }, (_, i) => `m${i}`));
  });

  it("server streaming", async () => {
    const got: number[] = [];
    for await (const m of client.ServerStream({ text: "s", count: 50, size: 10 })) got.push(m.index);
    assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i));
  });

  it("client streaming, from an async and a sync iterable, with per-message flags", async () => {
    const r = await client.ClientStream(requests(["a", "b", "c"]));
    assert.equal(r.text, "a,b,c");
    assert.equal(r.index, 3);
    const r2 = await client.ClientStream([{ text: "x" }, outgoing({ text: "y" }, { compress: false })]);
    assert.equal(r2.text, "x,y");
  });

  it("client streaming with no messages", async () => {
    const r = await client.ClientStream([]);
    assert.equal(r.index, 0);
  });

  it("bidi streaming, ping-pong", async () => {
    let release!: () => void;
    const texts: string[] = [];
    async function* pingPong(): AsyncGenerator<EchoRequest> {
      for (let i = 0; i < 5; i++) {
        yield { text: `p${i}` };
        await new Promise<void>((r) => (release = r)); // the next ping only after the pong
      }
    }
    for await (const m of client.Bidi(pingPong())) {
      texts.push(m.text);
      release();
    }
    assert.deepEqual(texts, ["p0", "p1", "p2", "p3", "p4"]);
  });

  it("metadata both ways, including -bin keys; onHeader and onTrailer", async () => {
    let headers: Metadata | undefined;
    let trailers: Metadata | undefined;
    const r = await client.Unary({ text: "md" }, {
      metadata: { "x-user": "ada", "x-data-bin": new Uint8Array([1, 2, 3, 0, 255]) },
      onHeader: (h) => (headers = h),
      onTrailer: (t) => (trailers = t),
    });
    assert.equal(r.text, "md");
    assert.equal(headers?.get("x-user"), "ada");
    assert.deepEqual([...(headers?.get("x-data-bin") as Uint8Array)], [1, 2, 3, 0, 255]);
    assert.equal(trailers?.get("x-trailer"), "yes");
    assert.deepEqual([...(trailers?.get("x-trailer-bin") as Uint8Array)], [0, 1, 2, 255]);
  });

  it("status with a percent-encoded unicode message, trailers as error metadata", async () => {
    const message = "no model named ☃ at 100% \n done";
    let trailers: Metadata | undefined;
    const e = await rejectsWith(client.Unary({ status: Code.NotFound, message }, { onTrailer: (t) => (trailers = t) }), Code.NotFound);
    assert.equal(e.rawMessage, message);
    assert.equal(e.metadata.get("x-trailer"), "yes");
    assert.equal(trailers?.get("x-trailer"), "yes");
  });

  it("status after messages of a server stream", async () => {
    const got: number[] = [];
    await rejectsWith(async () => {
      for await (const m of client.ServerStream({ count: 3, status: Code.ResourceExhausted, message: "stop" })) got.push(m.index);
    }, Code.ResourceExhausted, /^stop$/);
    assert.deepEqual(got, [0, 1, 2]);
  });

  it("unimplemented method", async () => {
    const Other = { ...Echo, name: "weir.test.Missing", methods: { Unary: { ...Echo.methods.Unary, path: "/weir.test.Missing/Unary" } } };
    const other = createClient(Other, transport);
    await rejectsWith(other.Unary({}), Code.Unimplemented);
  });
});

describe("grpc client compression against a @grpc/grpc-js server", () => {
  let server: PeerServer;
  let transport: GrpcTransport;
  after(async () => {
    await transport?.close();
    await server?.close();
  });

  // grpc-js servers never compress responses; client-wire.test.ts covers compressed responses.
  it("gzip and deflate requests in every call kind", async () => {
    server = await startGrpcJsServer();
    transport = createGrpcTransport({ target: server.target });
    const compressed: boolean[] = [];
    const client = createClient(Echo, transport, {
      middleware: [(next) => async (call) => {
        const r = await next(call);
        compressed.push(call.ctx.lastResponseCompressed);
        return r;
      }],
    });
    const big = "weir ".repeat(2000);
    assert.equal((await client.Unary({ text: big }, { compression: "gzip" })).text, big);
    assert.equal((await client.Unary({ text: big }, { compression: "deflate" })).text, big);
    assert.equal((await client.ClientStream([{ text: "a" }, { text: "b" }], { compression: "gzip" })).text, "a,b");
    const texts: string[] = [];
    for await (const m of client.Bidi([{ text: "x" }, outgoing({ text: "y" }, { compress: false })], { compression: "deflate" })) texts.push(m.text);
    assert.deepEqual(texts, ["x", "y"]);
    assert.ok(compressed.length === 4 && compressed.every((c) => !c), "grpc-js answers uncompressed");
  });
});
