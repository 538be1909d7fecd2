// DNS discovery against a real DNS server (Debian's dnsmasq) on a free loopback port, and the
// system resolver for /etc/hosts names.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createSocket } from "node:dgram";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Code, RpcError } from "../../src/core/index.js";
import { dnsResolver, type Endpoint } from "../../src/governance/index.js";
import { onceWithin } from "../helpers/wait.js";

const DNSMASQ = process.env.DNSMASQ_BIN ?? "/usr/sbin/dnsmasq";

function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  return new Promise((resolve) => s.bind(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); }));
}

/** The next list the resolver reports that satisfies `ok` (within `ms`). */
function nextList(r: ReturnType<typeof dnsResolver>, ok: (eps: readonly Endpoint[]) => boolean, ms = 3000): Promise<readonly Endpoint[]> {
  return new Promise((resolve, reject) => {
    const w = r.watch((eps) => { if (ok(eps)) { clearTimeout(t); void w.close(); resolve(eps); } });
    const t = setTimeout(() => { void w.close(); reject(new Error("no matching list")); }, ms);
  });
}

describe("DNS discovery", () => {
  let dir: string;
  let port: number;
  let child: ChildProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-dns-"));
    writeFileSync(join(dir, "hosts"), "127.0.0.11 chat.weir.test\n127.0.0.12 chat.weir.test\n::1 chat.weir.test\n");
    port = await freeUdpPort();
    child = spawn(DNSMASQ, [
      "--keep-in-foreground", "--conf-file=/dev/null", `--port=${port}`, "--listen-address=127.0.0.1", "--bind-interfaces",
      "--no-resolv", "--no-hosts", `--addn-hosts=${join(dir, "hosts")}`, "--user=root", "--pid-file=",
      "--srv-host=_grpc._tcp.chat.weir.test,chat.weir.test,50051,0,30",
      "--srv-host=_grpc._tcp.chat.weir.test,chat.weir.test,50052,0,10",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    // ready when it answers a query
    const deadline = Date.now() + 5000;
    const { promises: dns } = await import("node:dns");
    const r = new dns.Resolver({ timeout: 200, tries: 1 });
    r.setServers([`127.0.0.1:${port}`]);
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error("dnsmasq exited");
      if (await r.resolve4("chat.weir.test").then(() => true, () => false)) return;
    }
    throw new Error("dnsmasq did not answer");
  });
  after(async () => {
    if (child.exitCode === null) { child.kill("SIGKILL"); await onceWithin(child, "exit"); }
    rmSync(dir, { recursive: true, force: true });
  });

  it("A and AAAA records with a fixed port", async () => {
    const eps = await nextList(dnsResolver({ host: "chat.weir.test", port: 7000, servers: [`127.0.0.1:${port}`] }), () => true);
    assert.deepEqual(eps.map((e) => e.address).sort(), ["127.0.0.11:7000", "127.0.0.12:7000", "[::1]:7000"]);
    const v4 = await nextList(dnsResolver({ host: "chat.weir.test", port: 7000, family: 4, servers: [`127.0.0.1:${port}`] }), () => true);
    assert.equal(v4.length, 2);
  });

  it("SRV records give ports and weights", async () => {
    const eps = await nextList(dnsResolver({ srv: "_grpc._tcp.chat.weir.test", family: 4, servers: [`127.0.0.1:${port}`] }), () => true);
    const byAddress = Object.fromEntries(eps.map((e) => [e.address, e.weight]));
    assert.deepEqual(byAddress, { "127.0.0.11:50051": 30, "127.0.0.12:50051": 30, "127.0.0.11:50052": 10, "127.0.0.12:50052": 10 });
  });

  it("a running watch sees a changed record set", async () => {
    const r = dnsResolver({ host: "chat.weir.test", port: 7000, family: 4, refreshMs: 100, servers: [`127.0.0.1:${port}`] });
    const seen = nextList(r, (eps) => eps.length === 3);
    writeFileSync(join(dir, "hosts"), "127.0.0.11 chat.weir.test\n127.0.0.12 chat.weir.test\n127.0.0.13 chat.weir.test\n");
    child.kill("SIGHUP"); // dnsmasq re-reads its hosts file
    assert.ok((await seen).some((e) => e.address === "127.0.0.13:7000"));
  });

  it("the system resolver reads /etc/hosts", async () => {
    const eps = await nextList(dnsResolver({ host: "localhost", port: 1234, family: 4 }), () => true);
    assert.ok(eps.some((e) => e.address === "127.0.0.1:1234"));
  });
});

describe("DNS discovery limits", { timeout: 10_000 }, () => {
  it("a lookup that gets no answer fails after lookupTimeoutMs, and its queries are cancelled", async () => {
    const silent = createSocket("udp4"); // takes queries, never answers
    let queries = 0;
    silent.on("message", () => queries++);
    await new Promise<void>((r) => silent.bind(0, "127.0.0.1", r));
    try {
      const r = dnsResolver({ host: "chat.weir.test", port: 1, servers: [`127.0.0.1:${silent.address().port}`], lookupTimeoutMs: 200 });
      const start = performance.now();
      const err = await new Promise<RpcError>((resolve) => {
        const w = r.watch(() => assert.fail("no list without an answer"), (e) => { void w.close(); resolve(e); });
      });
      const waited = performance.now() - start;
      assert.ok(waited >= 190 && waited < 3000, `failed after ${waited} ms`);
      assert.equal(err.code, Code.Unavailable);
      assert.match(err.rawMessage, /DNS lookup of chat\.weir\.test failed: timed out after 200 ms/);
      assert.ok(queries > 0, "the server was asked");
    } finally {
      silent.close();
    }
  });

  it("refuses refresh and lookup times that are not positive", () => {
    for (const bad of [{ refreshMs: 0 }, { refreshMs: Number.NaN }, { lookupTimeoutMs: -1 }, { lookupTimeoutMs: Infinity }]) {
      assert.throws(() => dnsResolver({ host: "h", port: 1, ...bad }), (e: RpcError) => e.code === Code.InvalidArgument && e.message.includes(Object.keys(bad)[0]!));
    }
  });
});
