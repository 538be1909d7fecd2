import type { CallContext } from "../../rpc/index.js";

/** One instance of a service: where it listens and how much traffic it should get. */
export interface Endpoint {
  /** `host:port` (what the transport factory connects to). */
  readonly address: string;
  /** Relative share of traffic, > 0. Default 10 where an endpoint is made from a bare address. */
  readonly weight: number;
  /** Labels from discovery (zone, version, …). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Default weight of an endpoint given without one (as Kitex). */
export const DEFAULT_WEIGHT = 10;

/** Chooses an endpoint for each call, from a fixed list (a new list gets a new picker). */
export interface Picker {
  /**
   * An endpoint for this call, never one for which `skip` returns true; undefined when the list is
   * empty or every endpoint is skipped.
   */
  pick(ctx: CallContext, skip?: (endpoint: Endpoint) => boolean): Endpoint | undefined;
}

/**
 * A load-balancing strategy. `build` is called with each new endpoint list; state that must
 * survive a new list (calls in flight per address) lives in the balancer.
 */
export interface Balancer {
  readonly name: string;
  build(endpoints: readonly Endpoint[]): Picker;
  /** A call to `address` started. */
  onCallStart?(address: string): void;
  /** A call to `address` ended. */
  onCallEnd?(address: string): void;
}

/** An endpoint from `host:port` or an endpoint object, with the default weight filled in. */
export function toEndpoint(e: string | Endpoint): Endpoint {
  if (typeof e === "string") return Object.freeze({ address: e, weight: DEFAULT_WEIGHT });
  if (!(e.weight > 0) || !Number.isFinite(e.weight)) return Object.freeze({ ...e, weight: DEFAULT_WEIGHT });
  return e;
}

/** The first endpoint at or after `start` (cyclically) that is not skipped. @internal */
export function firstFrom(eps: readonly Endpoint[], start: number, skip: ((e: Endpoint) => boolean) | undefined): Endpoint | undefined {
  const n = eps.length;
  for (let k = 0; k < n; k++) {
    const e = eps[(start + k) % n]!;
    if (skip === undefined || !skip(e)) return e;
  }
  return undefined;
}
