import { Code, RpcError } from "../../core/index.js";
import { joinHostPort } from "./dns.js";
import type { Registered, Registry } from "./resolver.js";

/** What `registerServer` needs of a server (Weir's `Server` has both). */
export interface RegistrableServer {
  address(): { readonly host: string; readonly port: number } | undefined;
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Options of `registerServer`: the service name, the address to announce and its weight and tags. */
export interface RegisterServerOptions {
  /** Service name to register under. */
  service: string;
  /** Host clients should dial. Default: the bound host, unless it is a wildcard (then required). */
  advertiseHost?: string;
  /** Default 10. */
  weight?: number;
  tags?: Readonly<Record<string, string>>;
}

/** A registered server; `shutdown()` deregisters first, then closes the server gracefully. */
export interface RegisteredServer extends Registered {
  readonly address: string;
  /** Deregister (clients stop sending new calls), then `server.close()` (calls in flight finish). */
  shutdown(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Register a listening server in a registry; the order of a graceful shutdown is built in.
 *
 * @example
 * const { port } = await server.listen({ host: "127.0.0.1" });
 * const reg = await registerServer(server, registry, { service: "chat" });
 * process.once("SIGTERM", () => reg.shutdown());
 */
export async function registerServer(server: RegistrableServer, registry: Registry, o: RegisterServerOptions): Promise<RegisteredServer> {
  const bound = server.address();
  if (bound === undefined) throw new RpcError(Code.FailedPrecondition, "registerServer: the server is not listening yet");
  const wildcard = bound.host === "0.0.0.0" || bound.host === "::";
  const host = o.advertiseHost ?? (wildcard ? undefined : bound.host);
  if (host === undefined) throw new RpcError(Code.InvalidArgument, `registerServer: the server listens on ${bound.host}; give advertiseHost`);
  const address = joinHostPort(host, bound.port);
  const reg = await registry.register({ service: o.service, address, ...(o.weight !== undefined ? { weight: o.weight } : {}), ...(o.tags ? { tags: o.tags } : {}) });
  return {
    address,
    close: () => reg.close(),
    async shutdown(options) {
      await reg.close();
      await server.close(options);
    },
  };
}
