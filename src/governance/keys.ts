/**
 * Keys that governance pieces share through `ctx.values` and metadata.
 * @internal
 */

/** `ctx.values` key: addresses a retry attempt should avoid (string[]), read by the balanced transport. */
export const AVOID_INSTANCES = Symbol.for("weir.governance.avoidInstances");

/** `ctx.values` key: the address the balanced transport picked for this attempt (string). */
export const PICKED_INSTANCE = Symbol.for("weir.governance.pickedInstance");

/**
 * Metadata key of the retry mark: set on every retry attempt to the attempt index ("1", "2", …).
 * Kitex sends persistent metainfo `RetryReq` as `rpc-persist-retryreq` over gRPC and as the
 * TTHeader string key `RPC_PERSIST_RetryReq`, which arrives here lower-cased as `rpc_persist_retryreq`.
 */
export const RETRY_MARK = "rpc-persist-retryreq";
/** The TTHeader spelling of the retry mark, as Weir's metadata holds it (lower-cased). */
export const RETRY_MARK_TTHEADER = "rpc_persist_retryreq";

const kInstance = Symbol.for("weir.governance.instance");

/** Mark an error with the instance that produced it (the balanced transport does, on failures). */
export function tagInstance(err: object, address: string): void {
  (err as { [kInstance]?: string })[kInstance] = address;
}

/** The instance an error came from, if the balanced transport tagged it. */
export function instanceOf(err: object): string | undefined {
  return (err as { [kInstance]?: string })[kInstance];
}
