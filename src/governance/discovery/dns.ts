import { promises as dns } from "node:dns";
import { Code, RpcError } from "../../core/index.js";
import { DEFAULT_WEIGHT, type Endpoint } from "./endpoint.js";
import { sameEndpoints, type Resolver } from "./resolver.js";

/**
 * Options of `dnsResolver()`.
 *
 * @example
 * dnsResolver({ host: "chat.internal", port: 50051 })                 // A and AAAA records
 * dnsResolver({ srv: "_grpc._tcp.chat.internal" })                     // SRV records: targets, ports, weights
 */
export interface DnsResolverOptions {
  /** Name to resolve to addresses (A/AAAA), with `port`. */
  host?: string;
  /** Port of every address found for `host`. */
  port?: number;
  /** An SRV name; each record gives a target, a port and a weight (0 becomes 1). Targets are resolved to addresses. */
  srv?: string;
  /** 4, 6 or 0 for both. Default 0. */
  family?: 0 | 4 | 6;
  /** Time between lookups. Default 30_000 ms. */
  refreshMs?: number;
  /**
   * Longest wait for one lookup (SRV targets included); past it the lookup counts as failed (the
   * last list stays) and DNS queries still out are cancelled. A system lookup (getaddrinfo) cannot
   * be cancelled: while one still runs on the thread pool no other starts. Default 10_000 ms.
   */
  lookupTimeoutMs?: number;
  /**
   * DNS servers to ask (`"127.0.0.1:53"`). Default: for `host`, the system's resolver
   * (getaddrinfo, which also reads /etc/hosts); for SRV, the system's DNS servers.
   */
  servers?: readonly string[];
}

/**
 * Instances from DNS: A/AAAA records of a name (with a fixed port) or SRV records, looked up
 * again every `refreshMs`; the list is reported when it changes. A failed lookup is reported to
 * `onError` and the last list stays.
 */
export function dnsResolver(options: DnsResolverOptions): Resolver {
  if ((options.host === undefined) === (options.srv === undefined)) {
    throw new RpcError(Code.InvalidArgument, "dnsResolver needs either host (with port) or srv");
  }
  if (options.host !== undefined && !(Number.isInteger(options.port) && options.port! > 0 && options.port! < 65536)) {
    throw new RpcError(Code.InvalidArgument, `dnsResolver with host needs a port from 1 to 65535, got ${options.port}`);
  }
  const refreshMs = positiveMs("refreshMs", options.refreshMs, 30_000);
  const lookupTimeoutMs = positiveMs("lookupTimeoutMs", options.lookupTimeoutMs, 10_000);
  return {
    name: "dns",
    watch(onUpdate, onError) {
      const resolver = new dns.Resolver(); // one per watch: a timed-out lookup cancels only its own queries
      if (options.servers !== undefined) resolver.setServers(options.servers.slice());
      let last: readonly Endpoint[] | undefined;
      let timer: NodeJS.Timeout | undefined;
      let open = true;
      let running: Promise<unknown> | undefined;
      const lookup = (): Promise<Endpoint[]> => {
        if (running !== undefined) return Promise.reject(new Error("the previous lookup has not returned yet"));
        const p = options.srv !== undefined ? srvEndpoints(resolver, options) : hostEndpoints(resolver, options.host!, options.port!, options);
        running = p.finally(() => { running = undefined; }).catch(() => {});
        return withTimeout(p, lookupTimeoutMs, () => resolver.cancel());
      };
      const tick = async () => {
        try {
          const eps = await lookup();
          if (open && (last === undefined || !sameEndpoints(last, eps))) onUpdate((last = eps));
        } catch (e) {
          if (open) onError?.(new RpcError(Code.Unavailable, `DNS lookup of ${options.srv ?? options.host} failed: ${(e as Error).message}`, { cause: e }));
        }
        if (open) timer = setTimeout(tick, refreshMs).unref();
      };
      void tick();
      return { close: async () => { open = false; clearTimeout(timer); resolver.cancel(); } };
    },
  };
}

async function hostEndpoints(r: dns.Resolver, host: string, port: number, o: DnsResolverOptions): Promise<Endpoint[]> {
  const family = o.family ?? 0;
  let ips: string[];
  if (o.servers === undefined) {
    ips = (await dns.lookup(host, { all: true, family })).map((a) => a.address);
  } else {
    const v4 = family === 6 ? [] : await r.resolve4(host).catch(noData);
    const v6 = family === 4 ? [] : await r.resolve6(host).catch(noData);
    ips = [...v4, ...v6];
  }
  return [...new Set(ips)].sort().map((ip) => ({ address: joinHostPort(ip, port), weight: DEFAULT_WEIGHT }));
}

async function srvEndpoints(r: dns.Resolver, o: DnsResolverOptions): Promise<Endpoint[]> {
  const records = await r.resolveSrv(o.srv!);
  const out: Endpoint[] = [];
  for (const rec of records) {
    const ips = await hostEndpoints(r, rec.name, rec.port, o).catch(() => [] as Endpoint[]);
    for (const e of ips) out.push({ address: e.address, weight: Math.max(1, rec.weight), tags: { priority: String(rec.priority), target: rec.name } });
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : 1));
}

function positiveMs(name: string, v: number | undefined, d: number): number {
  const n = v ?? d;
  if (!(n > 0) || !Number.isFinite(n)) throw new RpcError(Code.InvalidArgument, `dnsResolver ${name} must be a positive number of ms, got ${v}`);
  return n;
}

/** `p`, or a rejection after `ms` (then `onTimeout` runs). */
function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { onTimeout(); reject(new Error(`timed out after ${ms} ms`)); }, ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function noData(e: NodeJS.ErrnoException): string[] {
  if (e.code === "ENODATA" || e.code === "ENOTFOUND") return [];
  throw e;
}

/** `host:port`, with brackets around an IPv6 address. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
