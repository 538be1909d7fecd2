import { Code, RpcError } from "../../core/index.js";
import type { MethodDescriptor, ServiceDescriptor } from "../../idl/descriptor.js";

/** Finds a method of a set of services by any of the names people write for it. */
export interface MethodIndex {
  readonly services: readonly ServiceDescriptor[];
  /** The method `name` stands for; RpcError NOT_FOUND (listing what there is) when none does. */
  resolve(name: string): { method: MethodDescriptor; service: ServiceDescriptor };
}

/**
 * Index methods by every accepted spelling: the gRPC path `/pkg.Service/Method`, `pkg.Service/Method`,
 * `pkg.Service.Method`, and with the short service name (`Service/Method`, also reached through a
 * Kitex path `/<package>.Service/method`) when only one service has that short name. A bare
 * method name works when exactly one service has it.
 *
 * @example
 * createMethodIndex([Greeter]).resolve("Greeter/SayHello").method.path // "/helloworld.Greeter/SayHello"
 */
export function createMethodIndex(services: readonly ServiceDescriptor[]): MethodIndex {
  const exact = new Map<string, [MethodDescriptor, ServiceDescriptor]>();
  const loose = new Map<string, [MethodDescriptor, ServiceDescriptor] | null>(); // null: ambiguous
  const addLoose = (key: string, entry: [MethodDescriptor, ServiceDescriptor]) => {
    const had = loose.get(key);
    loose.set(key, had === undefined || had?.[0] === entry[0] ? entry : null);
  };
  for (const service of services) {
    const short = service.name.slice(service.name.lastIndexOf(".") + 1);
    for (const name of Object.keys(service.methods)) {
      const method = service.methods[name]!;
      const entry: [MethodDescriptor, ServiceDescriptor] = [method, service];
      if (exact.has(`${service.name}/${name}`)) throw new RpcError(Code.AlreadyExists, `method ${service.name}/${name} is given twice`);
      exact.set(`${service.name}/${name}`, entry);
      addLoose(`${short}/${name}`, entry);
      addLoose(name, entry);
    }
  }
  return {
    services,
    resolve(name: string) {
      const key = normalize(name);
      const hit = exact.get(key) ?? loose.get(key) ?? loose.get(shortKey(key)) ?? undefined;
      if (hit) return { method: hit[0], service: hit[1] };
      const known = [...exact.keys()];
      const why = loose.get(key) === null || loose.get(shortKey(key)) === null ? "it is ambiguous; qualify it" : `known: ${known.slice(0, 20).join(", ")}${known.length > 20 ? ", …" : ""}`;
      throw new RpcError(Code.NotFound, `no method "${name.slice(0, 200)}" (${why})`);
    },
  };
}

/** `/a.B/C`, `a.B/C` and `a.B.C` -> `a.B/C`. */
function normalize(name: string): string {
  const trimmed = name.startsWith("/") ? name.slice(1) : name;
  if (trimmed.includes("/")) return trimmed;
  const dot = trimmed.lastIndexOf(".");
  return dot < 0 ? trimmed : `${trimmed.slice(0, dot)}/${trimmed.slice(dot + 1)}`;
}

/** `a.B/C` -> `B/C`. */
function shortKey(key: string): string {
  const slash = key.indexOf("/");
  if (slash < 0) return key;
  const svc = key.slice(0, slash);
  return `${svc.slice(svc.lastIndexOf(".") + 1)}${key.slice(slash)}`;
}
