import type { CallContext } from "../../rpc/index.js";
import type { Endpoint } from "../discovery/endpoint.js";

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

/** The first endpoint at or after `start` (cyclically) that is not skipped. @internal */
export function firstFrom(eps: readonly Endpoint[], start: number, skip: ((e: Endpoint) => boolean) | undefined): Endpoint | undefined {
  const n = eps.length;
  for (let k = 0; k < n; k++) {
    const e = eps[(start + k) % n]!;
    if (skip === undefined || !skip(e)) return e;
  }
  return undefined;
}
