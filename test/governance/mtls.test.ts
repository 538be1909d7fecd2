// Mutual TLS between a Weir server and client, with a CA and certificates made by the openssl CLI.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Code, RpcError, createClient } from "../../src/index.js";
import { createGrpcTransport, type GrpcTransport } from "../../src/transport/index.js";
import { Work, startWork, type Running } from "./fixture.js";

function makeCerts(dir: string): Record<"ca" | "serverKey" | "serverCert" | "clientKey" | "clientCert" | "otherKey" | "otherCert", Buffer> {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const leaf = (name: string, ca: string, ext: string) => {
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-subj", `/CN=${name}`, "-out", `${name}.csr`);
    ssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "2", "-out", `${name}.crt`, "-extfile", ext);
  };
  for (const ca of ["ca", "otherca"]) ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${ca}.key`, "-out", `${ca}.crt`, "-days", "2", "-subj", `/CN=${ca}`);
  execFileSync("sh", ["-c", "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext; printf 'extendedKeyUsage=clientAuth\\n' > client.ext"], { cwd: dir });
  leaf("server", "ca", "server.ext");
  leaf("client", "ca", "client.ext");
  leaf("other", "otherca", "client.ext");
  const r = (f: string) => readFileSync(join(dir, f));
  return { ca: r("ca.crt"), serverKey: r("server.key"), serverCert: r("server.crt"), clientKey: r("client.key"), clientCert: r("client.crt"), otherKey: r("other.key"), otherCert: r("other.crt") };
}

describe("mutual TLS", () => {
  let dir: string;
  let certs: ReturnType<typeof makeCerts>;
  let srv: Running;
  const transports: GrpcTransport[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-mtls-"));
    certs = makeCerts(dir);
    srv = await startWork("tls", { tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true } });
  });
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await srv?.server.close({ graceMs: 0 });
    rmSync(dir, { recursive: true, force: true });
  });
  const call = (tls: Parameters<typeof createGrpcTransport>[0]["tls"]) => {
    const t = createGrpcTransport({ target: `https://${srv.address}`, tls, connectTimeoutMs: 2000 });
    transports.push(t);
    return createClient(Work, t).Do({ text: "hi" });
  };

  it("accepts a client with a certificate from the trusted CA", async () => {
    assert.equal((await call({ ca: certs.ca, cert: certs.clientCert, key: certs.clientKey })).text, "hi");
  });

  it("refuses a client without a certificate, or with one from another CA", async () => {
    await assert.rejects(call({ ca: certs.ca }), (e: RpcError) => e.code === Code.Unavailable);
    await assert.rejects(call({ ca: certs.ca, cert: certs.otherCert, key: certs.otherKey }), (e: RpcError) => e.code === Code.Unavailable);
  });

  it("the client refuses a server it cannot verify", async () => {
    await assert.rejects(call({ cert: certs.clientCert, key: certs.clientKey }), (e: RpcError) => e.code === Code.Unavailable);
  });
});
