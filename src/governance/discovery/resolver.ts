import type { RpcError } from "../../core/index.js";
import type { Endpoint } from "./endpoint.js";

/** A running watch; `close()` stops it. */
export interface Watch {
  close(): Promise<void>;
}

/**
 * Where the instances of a service are: a static list, DNS, a registry. `watch` reports the whole
 * list as soon as it is known and again each time it changes; errors are reported without ending
 * the watch (the last good list stays in use).
 */
export interface Resolver {
  readonly name: string;
  watch(onUpdate: (endpoints: readonly Endpoint[]) => void, onError?: (err: RpcError) => void): Watch;
}

/** The instance a server announces to a registry. */
export interface Registration {
  /** Service name the instance is registered under. */
  readonly service: string;
  /** `host:port` clients should connect to. */
  readonly address: string;
  /** Default 10. */
  readonly weight?: number;
  readonly tags?: Readonly<Record<string, string>>;
}

/** A live registration; `close()` removes it from the registry. */
export interface Registered {
  close(): Promise<void>;
}

/** A service registry (etcd, …): servers register, clients resolve. */
export interface Registry {
  register(instance: Registration): Promise<Registered>;
  resolver(service: string): Resolver;
  close(): Promise<void>;
}

/** Whether two endpoint lists say the same thing (order aside). @internal */
export function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a.length !== b.length) return false;
  const key = (e: Endpoint) => `${e.address}|${e.weight}|${JSON.stringify(e.tags ?? {})}`;
  const set = new Set(a.map(key));
  return b.every((e) => set.has(key(e)));
}
