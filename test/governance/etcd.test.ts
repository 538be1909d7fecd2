// etcd discovery against a real etcd: registration under a lease, deregistration on graceful
// shutdown, and running clients that see instances come and go within a second.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { Code, RpcError, createClient } from "../../src/index.js";
import { createGrpcTransport } from "../../src/transport/index.js";
import { createBalancedTransport, etcdRegistry, registerServer, type Endpoint, type Registry } from "../../src/governance/index.js";
import { startEtcd, type RunningEtcd } from "./etcd-fixture.js";
import { Work, startWork } from "./fixture.js";
import { onceWithin, until } from "../helpers/wait.js";

/** Resolves with the first list `watch` reports that satisfies `ok`, or rejects after `ms`. */
function listWhere(registry: Registry, service: string, ok: (eps: readonly Endpoint[]) => boolean, ms: number) {
  return new Promise<{ eps: readonly Endpoint[]; at: number }>((resolve, reject) => {
    const w = registry.resolver(service).watch((eps) => {
      if (!ok(eps)) return;
      clearTimeout(timer);
      void w.close();
      resolve({ eps, at: performance.now() });
    });
    const timer = setTimeout(() => { void w.close(); reject(new Error(`no matching list within ${ms}ms`)); }, ms);
  });
}

describe("etcd discovery", () => {
  let etcd: RunningEtcd;
  let registry: Registry;
  before(async () => {
    etcd = await startEtcd();
    registry = await etcdRegistry({ hosts: etcd.url, ttlSec: 2 });
  });
  after(async () => {
    await registry?.close();
    await etcd?.stop();
  });

  it("a running client sees a new instance and a removed one within 1 s", async (t) => {
    const a = await startWork("a");
    const regA = await registerServer(a.server, registry, { service: "work" });
    const balanced = createBalancedTransport({ resolver: registry.resolver("work"), connect: (ep) => createGrpcTransport({ target: ep.address }) });
    const client = createClient(Work, balanced);
    try {
      assert.equal((await client.Do({})).server, "a");
      const b = await startWork("b");
      const added = performance.now();
      const regB = await registerServer(b.server, registry, { service: "work", weight: 20 });
      await until(() => balanced.endpoints().length === 2, "two endpoints", 1000);
      const seenAdded = performance.now() - added;
      t.diagnostic(`new instance seen after ${seenAdded.toFixed(0)}ms (registration included)`);
      assert.ok(seenAdded < 1000);
      const servers = new Set<string>();
      for (let i = 0; i < 12; i++) servers.add((await client.Do({})).server ?? "");
      assert.deepEqual([...servers].sort(), ["a", "b"]);
      const removed = performance.now();
      await regB.shutdown({ graceMs: 100 }); // graceful: deregister first, then close
      await until(() => balanced.endpoints().length === 1, "one endpoint", 1000);
      const seenRemoved = performance.now() - removed;
      t.diagnostic(`removed instance gone after ${seenRemoved.toFixed(0)}ms (graceful shutdown included)`);
      assert.ok(seenRemoved < 1000 + 150);
      for (let i = 0; i < 6; i++) assert.equal((await client.Do({})).server, "a");
    } finally {
      await balanced.close();
      await regA.shutdown({ graceMs: 0 });
    }
  });

  it("an instance that dies without deregistering disappears when its lease ends", async () => {
    const reg = await registry.register({ service: "crashy", address: "127.0.0.1:1" });
    await listWhere(registry, "crashy", (eps) => eps.length === 1, 2000);
    // a process that registered and then died (SIGKILL): no deregistration, its lease runs out
    const child = spawn(process.execPath, [fileURLToPath(new URL("./register-child.js", import.meta.url)), etcd.url, "crashy", "127.0.0.1:2"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await onceWithin(child.stdout!, "data");
      await listWhere(registry, "crashy", (eps) => eps.length === 2, 2000);
    } finally {
      child.kill("SIGKILL");
    }
    const gone = await listWhere(registry, "crashy", (eps) => eps.length === 1 && eps[0]!.address === "127.0.0.1:1", 6000);
    assert.equal(gone.eps.length, 1);
    await reg.close();
    await listWhere(registry, "crashy", (eps) => eps.length === 0, 1000);
  });
});

describe("etcd discovery limits", { timeout: 20_000 }, () => {
  it("an etcd that accepts connections and never answers fails registration and the first read within the call timeout", async () => {
    const sockets: Socket[] = [];
    const silent = createNetServer((s) => void sockets.push(s)); // takes connections, never speaks
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const registry = await etcdRegistry({ hosts: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, callTimeoutMs: 300 });
    try {
      const start = performance.now();
      const err = await registry.register({ service: "s", address: "127.0.0.1:1" }).then(() => assert.fail("registered"), (e: RpcError) => e);
      const waited = performance.now() - start;
      assert.equal(err.code, Code.Unavailable);
      assert.match(err.rawMessage, /cannot register 127\.0\.0\.1:1 in etcd: .*DEADLINE_EXCEEDED/);
      assert.ok(waited < 5000, `failed after ${waited} ms (etcd3 tries 3 times)`);
      const watchErr = await new Promise<RpcError>((resolve) => {
        const w = registry.resolver("s").watch(() => assert.fail("no list"), (e) => { void w.close(); resolve(e); });
      });
      assert.equal(watchErr.code, Code.Unavailable);
    } finally {
      await registry.close();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it("refuses a call timeout that is not positive", async () => {
    await assert.rejects(etcdRegistry({ callTimeoutMs: 0 }), (e: RpcError) => e.code === Code.InvalidArgument && /callTimeoutMs/.test(e.message));
  });
});
