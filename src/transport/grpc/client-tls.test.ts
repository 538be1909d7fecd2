import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Code, RpcError, createClient } from "../../index.js";
import { Echo, startGrpcJsServer, type PeerServer } from "./client-fixture.js";
import { createGrpcTransport } from "./index.js";

/** A self-signed certificate for localhost and 127.0.0.1, made with the openssl CLI. */
function selfSigned(dir: string, name: string): { key: Buffer; cert: Buffer } {
  const key = path.join(dir, `${name}.key`), cert = path.join(dir, `${name}.crt`);
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert,
  ], { stdio: "ignore" });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

describe("grpc client over TLS against a @grpc/grpc-js TLS server", () => {
  let dir: string;
  let creds: { key: Buffer; cert: Buffer };
  let server: PeerServer;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "weir-tls-"));
    creds = selfSigned(dir, "server");
    server = await startGrpcJsServer({ tls: creds });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("calls succeed when the client trusts the certificate (ALPN h2)", async () => {
    const transport = createGrpcTransport({ target: `https://localhost:${server.port}`, tls: { ca: creds.cert } });
    try {
      const client = createClient(Echo, transport);
      assert.equal((await client.Unary({ text: "secure" })).text, "secure");
      const got: number[] = [];
      for await (const m of client.ServerStream({ count: 3 })) got.push(m.index);
      assert.deepEqual(got, [0, 1, 2]);
    } finally {
      await transport.close();
    }
  });

  it("an IP target with tls options verifies against the IP, or a given servername", async () => {
    const transport = createGrpcTransport({ target: `127.0.0.1:${server.port}`, tls: { ca: creds.cert, servername: "localhost" } });
    try {
      assert.equal((await createClient(Echo, transport).Unary({ text: "ip" })).text, "ip");
    } finally {
      await transport.close();
    }
  });

  it("an untrusted certificate -> UNAVAILABLE", async () => {
    const other = selfSigned(dir, "other");
    const transport = createGrpcTransport({ target: `https://localhost:${server.port}`, tls: { ca: other.cert } });
    try {
      await assert.rejects(createClient(Echo, transport).Unary({}), (e: unknown) => {
        assert.ok(e instanceof RpcError);
        assert.equal(e.code, Code.Unavailable, e.message);
        return true;
      });
    } finally {
      await transport.close();
    }
  });

  it("plaintext against the TLS port -> UNAVAILABLE", async () => {
    const transport = createGrpcTransport({ target: `127.0.0.1:${server.port}`, connectTimeoutMs: 2000 });
    try {
      await assert.rejects(createClient(Echo, transport).Unary({}), (e: unknown) => e instanceof RpcError && e.code === Code.Unavailable);
    } finally {
      await transport.close();
    }
  });
});
