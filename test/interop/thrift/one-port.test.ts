/**
 * One port, every protocol at the same time: gRPC with Protobuf (Weir and grpc-js clients), gRPC
 * with Thrift, Kitex TTHeader, Apache framed, buffered and THeader (binary, compact, zlib), with
 * calls of all of them in flight together.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";
import { createClient, type ClientTransport, type Middleware, type ServerCallContext } from "../../../src/index.js";
import { listenAllProtocols, type MultiProtocolServer } from "../../../src/transport/detection/serve.js";
import { createGrpcTransport } from "../../../src/transport/grpc/index.js";
import { createServer } from "../../../src/transport/grpc/grpc-server.js";
import { createThriftTransport } from "../../../src/transport/thrift/client.js";
import { Echo, echoImpl } from "../../../examples/thrift-echo/service.js";
import { Greeter, greeterImpl } from "../../../examples/greeter/greeter.js";

const GREETER_PROTO = fileURLToPath(new URL("../../../../examples/greeter/greeter.proto", import.meta.url));

describe("one port serves every protocol at once", () => {
  const seen = new Map<string, number>();
  const watch: Middleware<ServerCallContext> = (next) => (call) => {
    const key = `${call.ctx.protocol} ${call.method.serviceName}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    return next(call);
  };
  let server: MultiProtocolServer;
  let target: string;
  const transports: ClientTransport[] = [];

  before(async () => {
    const weir = createServer({ middleware: [watch], health: false, reflection: false })
      .service(Echo, echoImpl())
      .service(Greeter, greeterImpl);
    server = await listenAllProtocols(weir, { host: "127.0.0.1", port: 0, log: () => {} });
    target = `127.0.0.1:${server.address.port}`;
  });

  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await server?.close({ graceMs: 100 });
  });

  const open = <T extends ClientTransport>(t: T): T => (transports.push(t), t);

  it("answers gRPC+Protobuf, gRPC+Thrift, TTHeader, framed, buffered and THeader calls in flight together", async () => {
    const thriftKinds = [
      { transport: "ttheader" as const },
      { transport: "framed" as const, protocol: "binary" as const },
      { transport: "framed" as const, protocol: "compact" as const },
      { transport: "buffered" as const, protocol: "binary" as const },
      { transport: "buffered" as const, protocol: "compact" as const },
      { transport: "header" as const, protocol: "binary" as const },
      { transport: "header" as const, protocol: "compact" as const, zlib: true },
    ];
    const grpcT = open(createGrpcTransport({ target }));
    const greeter = createClient(Greeter, grpcT);
    const echoOverGrpc = createClient(Echo, grpcT);
    const echoes = thriftKinds.map((o) => createClient(Echo, open(createThriftTransport({ target, ...o }))));
    const jsGreeter = grpcJsGreeter(target);
    try {
      for (let round = 0; round < 3; round++) {
        const calls: Promise<unknown>[] = [
          greeter.SayHello({ name: `p${round}` }).then((r) => assert.equal(r.message, `Hello, p${round}!`)),
          echoOverGrpc.add({ a: 40n, b: BigInt(round) }).then((r) => assert.equal(r, 40n + BigInt(round))),
          jsSayHello(jsGreeter, `js${round}`).then((m) => assert.equal(m, `Hello, js${round}!`)),
          ...echoes.map((c, i) => c.ping({ msg: `${i}/${round}` }).then((r) => assert.equal(r, `${i}/${round}`))),
        ];
        await Promise.all(calls);
      }
    } finally {
      jsGreeter.close();
    }
    const expected = [
      "grpc weir.examples.greeter.Greeter", "grpc+thrift Echo", "ttheader Echo", "thrift-framed-binary Echo", "thrift-framed-compact Echo",
      "thrift-buffered-binary Echo", "thrift-buffered-compact Echo", "theader-binary Echo", "theader-compact Echo",
    ];
    for (const k of expected) assert.ok((seen.get(k) ?? 0) >= 3, `no calls seen as "${k}"; seen: ${[...seen.keys()].join(", ")}`);
  });
});

type JsGreeter = grpc.Client & { SayHello(req: { name: string }, cb: (e: grpc.ServiceError | null, r: { message: string }) => void): void };

function grpcJsGreeter(target: string): JsGreeter {
  const def = protoLoader.loadSync(GREETER_PROTO);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { weir: { examples: { greeter: { Greeter: grpc.ServiceClientConstructor } } } };
  return new pkg.weir.examples.greeter.Greeter(target, grpc.credentials.createInsecure()) as unknown as JsGreeter;
}

function jsSayHello(client: JsGreeter, name: string): Promise<string> {
  return new Promise((resolve, reject) => client.SayHello({ name }, (e, r) => (e ? reject(e) : resolve(r.message))));
}
