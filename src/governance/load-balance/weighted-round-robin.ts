import type { Endpoint } from "../discovery/endpoint.js";
import type { Balancer, Picker } from "./balancer.js";
import { firstFrom } from "./balancer.js";

/**
 * Weighted round robin (Kitex's default): each endpoint gets its weight's share of calls, spread
 * evenly (smooth weighted round robin); with equal weights it is plain round robin. Skipped
 * endpoints' turns go to the others.
 *
 * @example
 * createBalancedTransport({ resolver, balancer: weightedRoundRobin(), connect })
 */
export function weightedRoundRobin(): Balancer {
  return {
    name: "weighted_round_robin",
    build(endpoints) {
      const eps = endpoints.slice();
      const equal = eps.every((e) => e.weight === eps[0]!.weight);
      return equal ? roundRobin(eps) : smooth(eps);
    },
  };
}

function roundRobin(eps: readonly Endpoint[]): Picker {
  let next = Math.floor(Math.random() * eps.length);
  return {
    pick(_ctx, skip) {
      if (eps.length === 0) return undefined;
      const start = next;
      next = (next + 1) % eps.length;
      const e = firstFrom(eps, start, skip);
      if (e !== undefined && e !== eps[start]) next = (eps.indexOf(e) + 1) % eps.length;
      return e;
    },
  };
}

/** Smooth weighted round robin: every pick adds each weight to its counter and takes the largest. */
function smooth(eps: readonly Endpoint[]): Picker {
  const current = new Float64Array(eps.length);
  return {
    pick(_ctx, skip) {
      let best = -1, total = 0;
      for (let i = 0; i < eps.length; i++) {
        const e = eps[i]!;
        if (skip !== undefined && skip(e)) continue;
        current[i] = current[i]! + e.weight;
        total += e.weight;
        if (best < 0 || current[i]! > current[best]!) best = i;
      }
      if (best < 0) return undefined;
      current[best] = current[best]! - total;
      return eps[best];
    },
  };
}
