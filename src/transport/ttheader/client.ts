import type { ClientTransport } from "../../rpc/index.js";
import { createThriftTransport, type ThriftClientOptions } from "../thrift/client.js";

/** Options of `createTTHeaderTransport`: those of `createThriftTransport` that apply to TTHeader. */
export type TTHeaderClientOptions = Omit<ThriftClientOptions, "transport" | "protocol" | "zlib" | "multiplexed">;

/**
 * A Kitex TTHeader client transport (Thrift binary inside TTHeader, one call per pooled
 * connection): ToMethod and RPCTimeout int keys, the `isn` string key, metadata as string keys;
 * business errors in the reply come back as `bizError` RpcErrors.
 *
 * @example
 * const echo = createClient(Echo, createTTHeaderTransport({ target: "127.0.0.1:8888" }));
 * await echo.ping({ msg: "hi" }, { timeoutMs: 500 });
 */
export function createTTHeaderTransport(options: TTHeaderClientOptions): ClientTransport {
  return createThriftTransport({ ...options, transport: "ttheader", protocol: "binary" });
}
