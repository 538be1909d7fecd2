export type { Resolver, Watch, Registry, Registration, Registered } from "./resolver.js";
export { staticResolver } from "./static.js";
export { dnsResolver, joinHostPort, type DnsResolverOptions } from "./dns.js";
export { etcdRegistry, type EtcdRegistryOptions } from "./etcd.js";
export { registerServer, type RegisterServerOptions, type RegisteredServer, type RegistrableServer } from "./register.js";
