import type http from "node:http";
import type { AddressInfo } from "node:net";
import { createGateway, type Gateway } from "../../gateway/index.js";
import { createHttpServer } from "../../http/index.js";
import { createServer, type Server, type ServerOptions } from "../../transport/index.js";
import { createModelRepository, type Model, type ModelRepository, type ModelSource } from "../repository/index.js";
import { exampleModels } from "./example-models.js";
import type { OipServerOptions } from "./options.js";
import { createOipServer, type OipServer } from "./server.js";

/** An OIP server on loopback: gRPC and REST, each on a port of its own. @internal */
export interface OipTestServers {
  readonly oip: OipServer;
  readonly repository: ModelRepository;
  readonly grpc: Server;
  readonly grpcPort: number;
  readonly http: http.Server;
  readonly gateway: Gateway;
  readonly httpPort: number;
  /** `http://127.0.0.1:<httpPort>` */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * Start the OIP endpoints on 127.0.0.1 (ports picked by the system) over `models` (default: the
 * example models), for tests and the compliance checker's server.
 * @internal
 */
export async function startOipServers(o: {
  models?: readonly Model[];
  /** Sources of models that can be loaded again after an unload (as from a folder). */
  sources?: Readonly<Record<string, ModelSource>>;
  oip?: Omit<OipServerOptions, "repository">;
  grpc?: ServerOptions;
} = {}): Promise<OipTestServers> {
  const repository = createModelRepository({ models: o.models ?? exampleModels(), sources: o.sources ?? {} });
  const oip = createOipServer({ ...o.oip, repository });
  const grpc = createServer({ ...o.grpc }).service(oip.service, oip.handlers);
  const { port: grpcPort } = await grpc.listen({ host: "127.0.0.1", port: 0 });
  const gateway = createGateway({ routes: oip.routes });
  const server = createHttpServer(gateway.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const httpPort = (server.address() as AddressInfo).port;
  return {
    oip, repository, grpc, grpcPort, http: server, gateway, httpPort, baseUrl: `http://127.0.0.1:${httpPort}`,
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await grpc.close({ graceMs: 100 });
      await repository.close();
    },
  };
}
