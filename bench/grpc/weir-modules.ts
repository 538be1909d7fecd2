/**
 * Loads Weir's server and client from the compiled tree. Until a side exists the gRPC benchmarks still
 * measure grpc-js and the bare node:http2 server, and report that side of Weir as missing.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../lib/paths.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Loader = { loadProtoSync(file: string): { service(name: string): any } };
export interface WeirServerModules extends Loader { createServer(opts: Record<string, unknown>): any }
export interface WeirClientModules extends Loader {
  createGrpcTransport(opts: { target: string }): any;
  createClient(desc: any, transport: any): any;
}

const FILES = {
  server: ["dist/src/transport/server.js", "dist/src/idl/proto/index.js"],
  client: ["dist/src/transport/grpc/index.js", "dist/src/rpc/client.js", "dist/src/idl/proto/index.js"],
} as const;

/** Why this side of Weir cannot be measured yet, or undefined when it can. */
export function weirUnavailable(side: "server" | "client"): string | undefined {
  const missing = FILES[side].filter((f) => !existsSync(path.join(REPO_ROOT, f)));
  return missing.length ? `weir ${side} not measured: ${missing.join(", ")} not built yet` : undefined;
}

function load(file: string): Promise<any> {
  return import(pathToFileURL(path.join(REPO_ROOT, file)).href);
}

function need<T>(value: T, name: string): T {
  if (typeof value !== "function") throw new Error(`Weir does not export ${name} yet`);
  return value;
}

export async function importWeirServer(): Promise<WeirServerModules> {
  const [server, proto] = await Promise.all(FILES.server.map(load));
  return { createServer: need(server.createServer, "createServer"), loadProtoSync: need(proto.loadProtoSync, "loadProtoSync") };
}

export async function importWeirClient(): Promise<WeirClientModules> {
  const [grpc, client, proto] = await Promise.all(FILES.client.map(load));
  return {
    createGrpcTransport: need(grpc.createGrpcTransport, "createGrpcTransport"),
    createClient: need(client.createClient, "createClient"),
    loadProtoSync: need(proto.loadProtoSync, "loadProtoSync"),
  };
}
