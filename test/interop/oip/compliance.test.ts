/**
 * The independent OIP compliance checker (compliance.py: python3-grpcio, python3-protobuf and
 * http.client, with the protocol's messages built from its own table) against a Weir OIP server
 * with the example models: every endpoint, every datatype over REST JSON (flat and nested), REST
 * binary, gRPC raw and gRPC typed giving the same outputs, the protocol's errors, and the server's
 * inference.proto compared with the protocol. A missing peer fails the suite.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DATATYPES, exampleModels, oipProtoPath } from "../../../src/serving/oip/index.js";
import { startOipServers, type OipTestServers } from "../../../src/serving/oip/test-servers.js";
import { checkPeers, runCompliance } from "./checker.js";

describe("OIP compliance checker (python3-grpcio + http.client) against Weir", { timeout: 180_000 }, () => {
  let s: OipTestServers;

  before(async () => {
    checkPeers();
    s = await startOipServers();
  });
  after(async () => {
    await s?.close();
  });

  it("passes every check, for every example model, on REST and gRPC", async () => {
    const report = await runCompliance({ httpPort: s.httpPort, grpcPort: s.grpcPort, proto: oipProtoPath() });
    assert.deepEqual(report.failed, [], report.output);
    assert.equal(report.code, 0, report.output);
    const passed = new Set(report.passed);
    assert.ok(passed.has("proto: the server's .proto has the protocol's package, messages, field numbers and rpcs"));
    const models = exampleModels().map((m) => m.config.name);
    assert.equal(models.length, 2 + DATATYPES.length);
    for (const model of models) {
      assert.ok(passed.has(`model ${model}: metadata and readiness, the same on REST and gRPC`), model);
      assert.ok(passed.has(`model ${model}: REST JSON (flat, nested), REST binary, gRPC raw and typed give the same outputs`), model);
    }
    assert.ok(report.passed.filter((l) => l.startsWith("errors: ")).length >= 9, report.output);
  });
});
