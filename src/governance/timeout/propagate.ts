import { Metadata } from "../../core/index.js";
import type { CallOptions, ServerCallContext } from "../../rpc/index.js";

/** Metadata keys that travel along the whole call chain (Kitex persistent metainfo, gRPC and TTHeader spellings). */
export const PERSISTENT_PREFIXES: readonly string[] = Object.freeze(["rpc-persist-", "rpc_persist_"]);

/**
 * Call options for a call made while serving another: the same deadline (so the next hop gets
 * what is left of it, minus the time already spent, as `grpc-timeout` or the TTHeader RPC-timeout
 * key), cancellation when the incoming call ends, and the persistent metadata (`rpc-persist-*`,
 * which carries the retry mark that stops retries further down the chain).
 *
 * @example
 * async Ask(req, ctx) {
 *   return await search.Query({ q: req.q }, downstream(ctx, { timeoutMs: 500 }));
 * }
 */
export function downstream(ctx: ServerCallContext, options: CallOptions = {}): CallOptions {
  let metadata: Metadata | undefined;
  for (const [k, v] of ctx.requestMetadata) {
    if (PERSISTENT_PREFIXES.some((p) => k.startsWith(p))) (metadata ??= new Metadata()).append(k.replace(/_/g, "-"), v);
  }
  if (options.metadata !== undefined) metadata = (metadata ?? new Metadata()).merge(new Metadata(options.metadata));
  const out: CallOptions = { ...options, signal: options.signal ?? ctx.signal };
  if (ctx.deadline !== undefined) {
    out.deadline = options.deadline === undefined ? ctx.deadline : Math.min(+options.deadline, ctx.deadline);
  }
  if (metadata !== undefined) out.metadata = metadata;
  return out;
}
