// The built-in services of createServer, called by grpc-js: health (Check, List, Watch) and server
// reflection (v1 and v1alpha), the reflected descriptors good enough to build a working client.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import descriptorTypes from "protobufjs/ext/descriptor/index.js";
import { bundledProto } from "../../rpc/health/proto-file.js";
import { startEchoServer, unaryCall, type EchoServer } from "./server-fixture.js";

const LOADER = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true } as const;

function clientOf(file: string, service: string, target: string): any {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(bundledProto(file), LOADER)) as any;
  const Ctor = service.split(".").reduce((o, k) => o[k], pkg) as typeof grpc.Client;
  return new Ctor(target, grpc.credentials.createInsecure());
}

describe("health service", { timeout: 20_000 }, () => {
  let s: EchoServer;
  let health: any;
  before(async () => {
    s = await startEchoServer();
    health = clientOf("grpc/health/v1/health.proto", "grpc.health.v1.Health", s.target);
  });
  after(async () => {
    health.close();
    await s.server.close({ graceMs: 0 });
  });

  it("answers Check for the server and for each registered service", async () => {
    for (const service of ["", "weir.test.server.Echo", "grpc.health.v1.Health"]) {
      const r = await unaryCall<{ status: string }>((cb) => health.Check({ service }, cb));
      assert.equal(r.value.status, "SERVING", service);
    }
    const err = await unaryCall((cb) => health.Check({ service: "no.Such" }, cb)).then(() => undefined, (e) => e);
    assert.equal(err.code, grpc.status.NOT_FOUND);
  });

  it("lists every status", async () => {
    const r = await unaryCall<{ statuses: Record<string, { status: string }> }>((cb) => health.List({}, cb));
    assert.equal(r.value.statuses[""]!.status, "SERVING");
    assert.equal(r.value.statuses["weir.test.server.Echo"]!.status, "SERVING");
  });

  it("streams status changes to Watch, SERVICE_UNKNOWN for a service it does not know yet", async () => {
    const watch = health.Watch({ service: "weir.test.server.Echo" });
    const unknown = health.Watch({ service: "later.Service" });
    const it1 = (watch as AsyncIterable<{ status: string }>)[Symbol.asyncIterator]();
    const it2 = (unknown as AsyncIterable<{ status: string }>)[Symbol.asyncIterator]();
    assert.equal((await it1.next()).value.status, "SERVING");
    assert.equal((await it2.next()).value.status, "SERVICE_UNKNOWN");
    s.server.health.setStatus("weir.test.server.Echo", "NOT_SERVING");
    assert.equal((await it1.next()).value.status, "NOT_SERVING");
    s.server.health.setStatus("later.Service", "SERVING");
    assert.equal((await it2.next()).value.status, "SERVING");
    s.server.health.setStatus("weir.test.server.Echo", "SERVING");
    assert.equal((await it1.next()).value.status, "SERVING");
    watch.on("error", () => {});
    unknown.on("error", () => {});
    watch.cancel();
    unknown.cancel();
  });
});

describe("reflection service", { timeout: 20_000 }, () => {
  let s: EchoServer;
  before(async () => {
    s = await startEchoServer();
  });
  after(() => s.server.close({ graceMs: 0 }));

  for (const version of ["v1", "v1alpha"]) {
    it(`lists services and serves descriptors (${version})`, async () => {
      const client = clientOf(`grpc/reflection/${version}/reflection.proto`, `grpc.reflection.${version}.ServerReflection`, s.target);
      const call = client.ServerReflectionInfo();
      const responses = (call as AsyncIterable<any>)[Symbol.asyncIterator]();
      const ask = async (req: object) => {
        call.write(req);
        return (await responses.next()).value;
      };
      try {
        const list = await ask({ host: "h", list_services: "" });
        assert.equal(list.valid_host, "h");
        const names = list.list_services_response.service.map((x: { name: string }) => x.name);
        for (const n of ["weir.test.server.Echo", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]) {
          assert.ok(names.includes(n), n);
        }

        const bySymbol = await ask({ file_containing_symbol: "weir.test.server.Echo" });
        const files = bySymbol.file_descriptor_response.file_descriptor_proto as Buffer[];
        const decoded = files.map((b) => descriptorTypes.FileDescriptorProto.decode(b) as any);
        assert.equal(decoded[0].name, "echo.proto");
        assert.equal(decoded[0].package, "weir.test.server");
        assert.deepEqual(decoded[0].dependency, ["google/protobuf/timestamp.proto"]);
        assert.equal(decoded[0].syntax, "proto3");
        assert.equal(decoded[1].name, "google/protobuf/timestamp.proto");
        const method = decoded[0].service[0].method.find((m: { name: string }) => m.name === "Bidi");
        assert.equal(method.inputType, ".weir.test.server.EchoRequest");
        assert.equal(method.clientStreaming, true);
        assert.equal(method.serverStreaming, true);

        for (const symbol of ["weir.test.server.Echo.Unary", "weir.test.server.EchoReply", "weir.test.server.EchoReply.LabelsEntry"]) {
          const r = await ask({ file_containing_symbol: symbol });
          assert.ok(r.file_descriptor_response, symbol);
        }
        const byName = await ask({ file_by_filename: "echo.proto" });
        assert.equal(byName.file_descriptor_response.file_descriptor_proto.length, 2);
        const missing = await ask({ file_containing_symbol: "no.such.Symbol" });
        assert.equal(missing.error_response.error_code, grpc.status.NOT_FOUND);
        assert.equal(missing.original_request.file_containing_symbol, "no.such.Symbol");
      } finally {
        call.end();
        client.close();
      }
    });
  }

  it("serves descriptors that a client can be built from and call with", async () => {
    const client = clientOf("grpc/reflection/v1/reflection.proto", "grpc.reflection.v1.ServerReflection", s.target);
    const call = client.ServerReflectionInfo();
    call.write({ file_containing_symbol: "weir.test.server.Echo" });
    const first = await (call as AsyncIterable<any>)[Symbol.asyncIterator]().next();
    call.end();
    client.close();
    const files = first.value.file_descriptor_response.file_descriptor_proto as Buffer[];
    const set = descriptorTypes.FileDescriptorSet.encode({ file: files.map((b) => descriptorTypes.FileDescriptorProto.decode(b)) }).finish();
    const pkg = grpc.loadPackageDefinition(protoLoader.loadFileDescriptorSetFromBuffer(Buffer.from(set), LOADER)) as any;
    const echo = new pkg.weir.test.server.Echo(s.target, grpc.credentials.createInsecure());
    try {
      const r = await unaryCall<{ text: string; labels: unknown }>((cb) => echo.Unary({ text: "reflected" }, cb));
      assert.equal(r.value.text, "reflected");
      // protobufjs rebuilds a map field from a descriptor as its repeated entries (key, value)
      const labels = Array.isArray(r.value.labels)
        ? Object.fromEntries(r.value.labels.map((e: { key: string; value: string }) => [e.key, e.value]))
        : (r.value.labels as Record<string, string>);
      assert.equal(labels["encoding"], "identity", "the map field survives the trip");
    } finally {
      echo.close();
    }
  });
});
