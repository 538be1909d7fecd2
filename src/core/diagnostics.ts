import { channel } from "node:diagnostics_channel";

/**
 * Diagnostics channels (`weir:<layer>:<event>`); observability/ subscribes, publishers check
 * `hasSubscribers` first, so a channel nobody listens to costs a property read.
 *
 * - `weir:rpc:server-call-start` `{ ctx }`, `weir:rpc:server-call-end` `{ ctx, error }` and
 *   `weir:rpc:server-call-error` `{ ctx, error }`: every server call of every protocol, from the
 *   shared lifecycle (`rpc/server-call.ts`); `error` is the RpcError sent to the client.
 * - `weir:rpc:client-call-start` `{ ctx }`, `weir:rpc:client-call-end` `{ ctx, error }` and
 *   `weir:rpc:client-call-error` `{ ctx, error }`: every call made with `createClient`.
 * - `weir:transport:error` `{ protocol, peer, error }`: a connection or stream closed for a reason.
 */
export const channels = {
  serverCallStart: channel("weir:rpc:server-call-start"),
  serverCallEnd: channel("weir:rpc:server-call-end"),
  serverCallError: channel("weir:rpc:server-call-error"),
  clientCallStart: channel("weir:rpc:client-call-start"),
  clientCallEnd: channel("weir:rpc:client-call-end"),
  clientCallError: channel("weir:rpc:client-call-error"),
  transportError: channel("weir:transport:error"),
} as const;
