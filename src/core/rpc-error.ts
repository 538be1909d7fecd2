import { Code, codeName } from "./code.js";
import { Metadata, type MetadataInit } from "./metadata.js";

export interface RpcErrorInit {
  /** The lower-level error, kept for logs; never sent to the peer. */
  cause?: unknown;
  /** Trailers to send with (or received with) the error. */
  metadata?: MetadataInit;
  /** Structured details (e.g. decoded google.rpc.Status details). */
  details?: readonly unknown[];
}

/**
 * The one error type of Weir: a gRPC status code, a message, metadata and a cause.
 * Every protocol maps it to its own form (gRPC trailers, Thrift exceptions, HTTP JSON bodies).
 *
 * @example
 * throw new RpcError(Code.NotFound, `no model named ${name}`);
 */
export class RpcError extends Error {
  override name = "RpcError";
  /** The message without the `[CODE]` prefix: what goes on the wire. */
  readonly rawMessage: string;
  readonly metadata: Metadata;
  readonly details: readonly unknown[];

  constructor(readonly code: Code, message: string, init: RpcErrorInit = {}) {
    super(`[${codeName(code)}] ${message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.rawMessage = message;
    this.metadata = new Metadata(init.metadata);
    this.details = init.details ?? [];
  }

  /** Turn anything thrown into an RpcError; the original stays reachable as `cause`. */
  static from(reason: unknown, fallback: Code = Code.Unknown): RpcError {
    if (reason instanceof RpcError) return reason;
    const name = reason instanceof Error ? reason.name : "";
    const code = name === "TimeoutError" ? Code.DeadlineExceeded : name === "AbortError" ? Code.Canceled : fallback;
    const message = reason instanceof Error ? reason.message : reason === undefined ? "" : String(reason);
    return new RpcError(code, message, { cause: reason });
  }
}

export function isRpcError(e: unknown): e is RpcError {
  return e instanceof RpcError;
}
