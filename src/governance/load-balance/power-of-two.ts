import type { Endpoint } from "../discovery/endpoint.js";
import type { Balancer } from "./balancer.js";

/**
 * Power of two choices by outstanding requests: pick two endpoints at random and send the call to
 * the one with fewer calls in flight per unit of weight. Slow or stuck instances pile up calls and
 * stop being chosen, without any latency bookkeeping.
 *
 * @example
 * createBalancedTransport({ resolver, balancer: powerOfTwoChoices(), connect })
 */
export function powerOfTwoChoices(): Balancer {
  const outstanding = new Map<string, number>();
  const load = (e: Endpoint) => ((outstanding.get(e.address) ?? 0) + 1) / e.weight;
  return {
    name: "power_of_two_choices",
    build(endpoints) {
      const eps = endpoints.slice();
      return {
        pick(_ctx, skip) {
          const n = eps.length;
          if (n === 0) return undefined;
          if (skip === undefined) {
            // O(1): two distinct random endpoints
            if (n === 1) return eps[0];
            const i = Math.floor(Math.random() * n);
            const a = eps[i]!, b = eps[(i + 1 + Math.floor(Math.random() * (n - 1))) % n]!;
            return load(b) < load(a) ? b : a;
          }
          const i = eligibleFrom(eps, Math.floor(Math.random() * n), skip, -1);
          if (i < 0) return undefined;
          const j = eligibleFrom(eps, Math.floor(Math.random() * n), skip, i);
          if (j < 0) return eps[i];
          const a = eps[i]!, b = eps[j]!;
          return load(b) < load(a) ? b : a;
        },
      };
    },
    onCallStart(address) {
      outstanding.set(address, (outstanding.get(address) ?? 0) + 1);
    },
    onCallEnd(address) {
      const n = (outstanding.get(address) ?? 1) - 1;
      if (n <= 0) outstanding.delete(address);
      else outstanding.set(address, n);
    },
  };
}

/** Index of the first endpoint from `start` that is neither skipped nor `not`; -1 if none. */
function eligibleFrom(eps: readonly Endpoint[], start: number, skip: ((e: Endpoint) => boolean) | undefined, not: number): number {
  const n = eps.length;
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    if (i !== not && (skip === undefined || !skip(eps[i]!))) return i;
  }
  return -1;
}
