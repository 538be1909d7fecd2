import type { Route, Router, ServiceDescriptor } from "../../rpc/index.js";

/**
 * Finds the route of a Thrift message among the Thrift services of a Router, by service name where
 * the protocol carries one (TTHeader `isn`, a THeader `isn` header, or a multiplexed method name
 * `Service:method`), else by method name alone:
 * 1. with a service name: that service (full name `echo.Echo` or bare IDL name `Echo`); if no
 *    service has that name, the one service that has the method, if exactly one does;
 * 2. without: the fallback service if it has the method, then every Thrift service in
 *    registration order.
 * Protobuf services are never candidates (their payloads are not Thrift).
 */
export class ThriftRoutes {
  private seen = -1;
  private readonly byName = new Map<string, ServiceDescriptor>();
  private ordered: ServiceDescriptor[] = [];

  /** `fallbackService` names (full or bare) the service tried first for messages without a service name. */
  constructor(private readonly router: Router, private readonly fallbackService?: string) {}

  find(serviceName: string | undefined, methodName: string): Route | undefined {
    this.refresh();
    const colon = serviceName === undefined ? methodName.indexOf(":") : -1;
    if (colon > 0) return this.find(methodName.slice(0, colon), methodName.slice(colon + 1));
    if (serviceName !== undefined && serviceName !== "") {
      const svc = this.byName.get(serviceName);
      if (svc) return this.routeIn(svc, methodName);
      const hits = this.ordered.filter((s) => s.methods[methodName] !== undefined);
      return hits.length === 1 ? this.routeIn(hits[0]!, methodName) : undefined;
    }
    for (const svc of this.ordered) {
      const route = this.routeIn(svc, methodName);
      if (route) return route;
    }
    return undefined;
  }

  private routeIn(svc: ServiceDescriptor, methodName: string): Route | undefined {
    const m = svc.methods[methodName];
    return m ? this.router.lookup(m.path) : undefined;
  }

  /** Rebuild the name table when services were added to the router. */
  private refresh(): void {
    const all = this.router.services();
    if (all.length === this.seen) return;
    this.seen = all.length;
    this.byName.clear();
    const thrift = all.filter((s) => s.idl === "thrift");
    for (const s of thrift) {
      this.byName.set(s.name, s);
      const bare = bareName(s);
      if (!this.byName.has(bare)) this.byName.set(bare, s);
    }
    const fb = this.fallbackService === undefined ? undefined : this.byName.get(this.fallbackService);
    this.ordered = fb ? [fb, ...thrift.filter((s) => s !== fb)] : thrift;
  }
}

/** The IDL service name without namespace or file prefix (`Echo` for `echo.Echo`). */
export function bareName(svc: ServiceDescriptor): string {
  const idlName = svc.meta["idlName"];
  return typeof idlName === "string" ? idlName : bareServiceName(svc.name);
}

/** The last dot-separated part of a service name. */
export function bareServiceName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf(".") + 1);
}
