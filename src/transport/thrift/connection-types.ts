// The shapes a Thrift server connection works with: what handlers answer, and its settings.
import type { RpcError } from "../../core/index.js";
import type { ServerCalls } from "../../rpc/index.js";
import type { ByteBudget } from "./byte-budget.js";
import type { TimeoutLimits } from "./connection-timeouts.js";
import type { RawUnit, WireMessage } from "./wire.js";

/** What a handler answers for one message: the wire bytes, or nothing (oneway). */
export interface ReplyUnit {
  readonly parts: readonly Uint8Array[];
  /** Close the connection once this reply is written. */
  readonly close?: boolean;
}

/**
 * Handles one received message; may answer synchronously or later. Must not throw. `calls` holds
 * the connection's calls in progress: a call adds its scope while it runs, and the connection
 * aborts them all when the peer goes away.
 */
export type MessageHandler = (msg: WireMessage, peer: string, calls: ServerCalls) => ReplyUnit | undefined | Promise<ReplyUnit | undefined>;

/** Answers a unit the server could not accept (e.g. a TTHeader with a compact payload), if it can. */
export type RejectHandler = (unit: RawUnit, error: RpcError) => ReplyUnit | undefined;

/** @internal Per-connection settings (from the resolved server options). */
export interface ThriftConnectionOptions extends TimeoutLimits {
  /** Largest unit (frame, or unframed message) accepted; bigger closes the connection. */
  readonly maxFrameBytes: number;
  /** Messages handled at once on one connection; reading pauses at this many. */
  readonly maxPendingPerConnection: number;
  /** Replies written but not yet taken by the peer; reading pauses past this many bytes. */
  readonly maxUnsentBytesPerConnection: number;
  /** Nesting limit when walking unframed messages. */
  readonly maxDepth: number;
  /** Where reasons for closing a connection go. */
  readonly log: (message: string) => void;
  /** Inflated (THeader zlib) payloads held on the whole server; one compressed message per connection at most. */
  readonly inflated: ByteBudget;
}
