import { Code, RpcError } from "../../core/index.js";
import { toEndpoint, type Endpoint } from "./endpoint.js";
import type { Registered, Registration, Registry, Resolver } from "./resolver.js";

/**
 * Options of `etcdRegistry()`.
 *
 * @example
 * const registry = await etcdRegistry({ hosts: "http://127.0.0.1:2379" });
 */
export interface EtcdRegistryOptions {
  /** etcd client URLs. Default "http://127.0.0.1:2379". */
  hosts?: string | readonly string[];
  /** Key prefix under which services are kept. Default "/weir/services/". */
  prefix?: string;
  /** Lease time to live in seconds: how long a crashed instance stays listed. Default 10 (etcd's minimum is about 2). */
  ttlSec?: number;
  /**
   * Deadline of each etcd request that is not a stream (register, revoke, the resolver's first
   * read): an etcd that accepts a connection and never answers fails it with UNAVAILABLE instead
   * of holding it. Lease keep-alives and watches are streams (etcd3 keeps them alive and
   * reconnects). Default 5000 ms; `client.defaultCallOptions` replaces it.
   */
  callTimeoutMs?: number;
  /** Options passed to the etcd3 client as they are (auth, TLS, dial timeout, …). */
  client?: Record<string, unknown>;
}

// The parts of the etcd3 package this file uses; the package is an optional peer, loaded on first use.
interface KeyValue { key: Buffer; value: Buffer }
interface EtcdWatcher { on(event: string, fn: (...args: any[]) => void): EtcdWatcher; cancel(): Promise<void> }
interface EtcdLease {
  grant(): Promise<string>;
  put(key: string): { value(v: string): Promise<unknown> };
  revoke(): Promise<void>;
  on(event: "lost", fn: (err: Error) => void): EtcdLease;
}
interface EtcdClient {
  lease(ttl: number, options?: { autoKeepAlive?: boolean }): EtcdLease;
  getAll(): { prefix(p: string): { exec(): Promise<{ header: { revision: string }; kvs: KeyValue[] }> } };
  watch(): { prefix(p: string): { startRevision(r: string): { create(): Promise<EtcdWatcher> } } };
  close(): void;
}

async function loadEtcd(options: EtcdRegistryOptions): Promise<EtcdClient> {
  let mod: { Etcd3: new (o: Record<string, unknown>) => EtcdClient };
  try {
    mod = (await import("etcd3")) as unknown as typeof mod;
  } catch (e) {
    throw new RpcError(Code.FailedPrecondition, "etcd discovery needs the optional peer dependency etcd3: npm install etcd3", { cause: e });
  }
  const hosts = options.hosts ?? "http://127.0.0.1:2379";
  const callTimeoutMs = options.callTimeoutMs ?? 5000;
  const defaultCallOptions = (call: { isStream: boolean }) => (call.isStream ? {} : { deadline: Date.now() + callTimeoutMs });
  return new mod.Etcd3({ defaultCallOptions, ...options.client, hosts: typeof hosts === "string" ? hosts : hosts.slice() });
}

/**
 * A service registry on etcd. A server registers under a lease kept alive in the background
 * (`register`), so a crashed instance disappears when its lease ends (`ttlSec`); `close()` of
 * the registration revokes the lease at once (graceful shutdown). Clients `resolver(service)`
 * read the list and watch it, seeing instances come and go without restarting.
 * Keys: `<prefix><service>/<address>`, values: JSON `{ address, weight, tags }`.
 */
export async function etcdRegistry(options: EtcdRegistryOptions = {}): Promise<Registry> {
  const prefix = options.prefix ?? "/weir/services/";
  const ttl = options.ttlSec ?? 10;
  if (!Number.isInteger(ttl) || ttl < 1) throw new RpcError(Code.InvalidArgument, `etcd ttlSec must be an integer >= 1, got ${ttl}`);
  const callMs = options.callTimeoutMs;
  if (callMs !== undefined && !(callMs > 0 && Number.isFinite(callMs))) {
    throw new RpcError(Code.InvalidArgument, `etcd callTimeoutMs must be a positive number of ms, got ${callMs}`);
  }
  const client = await loadEtcd(options);
  return {
    register: (instance) => register(client, prefix, ttl, instance),
    resolver: (service) => etcdResolver(client, `${prefix}${service}/`),
    close: async () => client.close(),
  };
}

async function register(client: EtcdClient, prefix: string, ttl: number, r: Registration): Promise<Registered> {
  if (!r.service || !r.address) throw new RpcError(Code.InvalidArgument, "a registration needs a service and an address");
  const key = `${prefix}${r.service}/${r.address}`;
  const value = JSON.stringify({ address: r.address, weight: r.weight ?? 10, tags: r.tags ?? {} });
  let closed = false;
  let lease: EtcdLease;
  const grant = async (): Promise<void> => {
    lease = client.lease(ttl, { autoKeepAlive: true });
    lease.on("lost", () => {
      // etcd forgot the lease (restart, long partition): register again while we are open
      if (!closed) setTimeout(() => { if (!closed) grant().catch(() => {}); }, 500).unref();
    });
    await lease.put(key).value(value);
  };
  try {
    await grant();
  } catch (e) {
    throw new RpcError(Code.Unavailable, `cannot register ${r.address} in etcd: ${(e as Error).message}`, { cause: e });
  }
  return {
    async close() {
      if (closed) return;
      closed = true;
      await lease.revoke().catch(() => {});
    },
  };
}

/** Watch every key under `keyPrefix`; each change reports the whole list. */
function etcdResolver(client: EtcdClient, keyPrefix: string): Resolver {
  return {
    name: "etcd",
    watch(onUpdate, onError) {
      const known = new Map<string, Endpoint>();
      let open = true;
      let watcher: EtcdWatcher | undefined;
      const report = () => { if (open) onUpdate([...known.values()]); };
      const fail = (e: unknown) => {
        if (open) onError?.(new RpcError(Code.Unavailable, `etcd watch of ${keyPrefix}: ${(e as Error)?.message ?? e}`, { cause: e }));
      };
      (async () => {
        const res = await client.getAll().prefix(keyPrefix).exec();
        for (const kv of res.kvs) addKv(known, kv);
        report();
        if (!open) return;
        const next = String(BigInt(res.header.revision) + 1n);
        watcher = await client.watch().prefix(keyPrefix).startRevision(next).create();
        if (!open) return void watcher.cancel();
        watcher.on("put", (kv: KeyValue) => { addKv(known, kv); report(); });
        watcher.on("delete", (kv: KeyValue) => { if (known.delete(kv.key.toString())) report(); });
        watcher.on("error", fail);
      })().catch(fail);
      return {
        async close() {
          open = false;
          await watcher?.cancel().catch(() => {});
        },
      };
    },
  };
}

function addKv(known: Map<string, Endpoint>, kv: KeyValue): void {
  try {
    const v = JSON.parse(kv.value.toString()) as { address?: unknown; weight?: unknown; tags?: unknown };
    if (typeof v.address !== "string") return;
    const weight = typeof v.weight === "number" ? v.weight : 10;
    const tags = v.tags !== null && typeof v.tags === "object" ? (v.tags as Record<string, string>) : undefined;
    known.set(kv.key.toString(), toEndpoint(tags ? { address: v.address, weight, tags } : { address: v.address, weight }));
  } catch {
    // not one of ours: ignore
  }
}
