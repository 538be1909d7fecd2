import { startChild, type Child } from "../lib/child.js";
import { programPath } from "../lib/paths.js";

/** The servers every gRPC benchmark compares, in the order they run. */
export const SERVER_IMPLS = ["weir", "grpcjs", "raw"] as const;
export type ServerImpl = (typeof SERVER_IMPLS)[number];

/** How each server is named in tables and JSON. */
export const SERVER_LABELS: Record<ServerImpl, string> = { weir: "weir", grpcjs: "grpc-js", raw: "node:http2" };

export interface ServerChild {
  readonly impl: ServerImpl;
  readonly port: number;
  stop(): Promise<void>;
}

export interface ServerChildOptions {
  /** Write a V8 CPU profile of the server process into this folder. Default: no profile. */
  cpuProfileDir?: string;
}

/** Start one echo server in its own process and wait until it listens. */
export async function startServerChild(impl: ServerImpl, options: ServerChildOptions = {}): Promise<ServerChild> {
  const nodeFlags = options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${impl}-server-${Date.now()}.cpuprofile`] : [];
  const child: Child = startChild(programPath("grpc/servers/server-main.js"), [impl], { nodeFlags });
  try {
    const { port } = await child.nextLine();
    if (typeof port !== "number") throw new Error(`${impl} server reported no port`);
    return { impl, port, stop: () => child.stop() };
  } catch (e) {
    await child.stop();
    throw e;
  }
}
