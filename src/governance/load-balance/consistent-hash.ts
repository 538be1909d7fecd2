import { Code, RpcError } from "../../core/index.js";
import { DEFAULT_WEIGHT, type Endpoint } from "../discovery/endpoint.js";
import type { Balancer, Picker } from "./balancer.js";
import { firstFrom } from "./balancer.js";

/**
 * Options of `consistentHash()`.
 *
 * @example
 * consistentHash({ key: "x-session-id" }) // a conversation returns to the replica holding its KV cache
 */
export interface ConsistentHashOptions {
  /** Request metadata key whose value is hashed. Required. */
  key: string;
  /** Points on the ring for an endpoint of the default weight 10 (weights scale it, up to 20×). Default 100. */
  virtualNodes?: number;
}

/**
 * Consistent hashing on a request metadata value: calls with the same value go to the same
 * endpoint while it is there; adding or removing an endpoint moves only the keys of its share.
 * A skipped endpoint's keys go to the next one on the ring. Calls without the key are spread
 * round robin.
 */
export function consistentHash(options: ConsistentHashOptions): Balancer {
  const key = options.key?.toLowerCase();
  if (!key) throw new RpcError(Code.InvalidArgument, "consistentHash needs the metadata key to hash");
  const virtualNodes = options.virtualNodes ?? 100;
  if (!Number.isInteger(virtualNodes) || virtualNodes < 1) {
    throw new RpcError(Code.InvalidArgument, `consistentHash virtualNodes must be an integer >= 1, got ${virtualNodes}`);
  }
  return { name: "consistent_hash", build: (endpoints) => ring(endpoints.slice(), key, virtualNodes) };
}

function ring(eps: readonly Endpoint[], key: string, virtualNodes: number): Picker {
  const points: { hash: number; ep: Endpoint }[] = [];
  for (const ep of eps) {
    const count = Math.min(virtualNodes * 20, Math.max(1, Math.round((virtualNodes * ep.weight) / DEFAULT_WEIGHT)));
    for (let v = 0; v < count; v++) points.push({ hash: hash32(`${ep.address}#${v}`), ep });
  }
  points.sort((a, b) => a.hash - b.hash);
  const hashes = Uint32Array.from(points, (p) => p.hash);
  let rr = 0;
  return {
    pick(ctx, skip) {
      if (eps.length === 0) return undefined;
      const value = ctx.requestMetadata.getString(key);
      if (value === undefined) return firstFrom(eps, rr++ % eps.length, skip);
      const start = lowerBound(hashes, hash32(value));
      for (let k = 0; k < points.length; k++) {
        const ep = points[(start + k) % points.length]!.ep;
        if (skip === undefined || !skip(ep)) return ep;
      }
      return undefined;
    },
  };
}

function lowerBound(a: Uint32Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo === a.length ? 0 : lo;
}

/** FNV-1a over UTF-16 code units, then a murmur3 finalizer for an even spread. @internal */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
