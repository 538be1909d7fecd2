import { toEndpoint, type Endpoint } from "./endpoint.js";
import type { Resolver } from "./resolver.js";

/**
 * A fixed list of instances (`host:port` strings or endpoints with weights).
 *
 * @example
 * createBalancedTransport({ resolver: staticResolver(["10.0.0.1:50051", { address: "10.0.0.2:50051", weight: 20 }]), connect })
 */
export function staticResolver(endpoints: readonly (string | Endpoint)[]): Resolver {
  const list = Object.freeze(endpoints.map(toEndpoint));
  return {
    name: "static",
    watch(onUpdate) {
      let open = true;
      queueMicrotask(() => { if (open) onUpdate(list); });
      return { close: async () => { open = false; } };
    },
  };
}
