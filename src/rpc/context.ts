import { CallScope, Metadata, type CallScopeOptions } from "../core/index.js";
import type { MethodDescriptor } from "../idl/descriptor.js";

/**
 * What every call carries, on both sides: the method, one AbortSignal (deadline, caller abort,
 * peer disconnect), the deadline, request metadata, and the response headers and trailers.
 */
export interface CallContext {
  readonly side: "server" | "client";
  readonly method: MethodDescriptor;
  /** Aborted on deadline, cancellation or disconnect; the reason is an RpcError. */
  readonly signal: AbortSignal;
  /** Absolute deadline in ms since the epoch, if the call has one. */
  readonly deadline: number | undefined;
  /** Ms left before the deadline, or undefined without one. */
  timeRemaining(): number | undefined;
  readonly requestMetadata: Metadata;
  /** Server: headers to send before the first message. Client: headers received. */
  readonly responseHeaders: Metadata;
  /** Server: trailers to send with the status. Client: trailers received. */
  readonly responseTrailers: Metadata;
  /** Server: the remote address. Client: the target. */
  readonly peer: string;
  /** The wire protocol: "grpc", "grpc+thrift", "ttheader", … */
  readonly protocol: string;
  /** Scratch space for middleware (keys should be symbols). */
  readonly values: Map<unknown, unknown>;
  /**
   * The call's abort state: `scope.reason`, `scope.onAbort(listener)` and `scope.abort(reason)`
   * reach it without creating the AbortSignal (what middleware and transports use); the contexts
   * Weir builds are their own scope.
   */
  readonly scope: CallScope;
}

export interface ServerCallContext extends CallContext {
  readonly side: "server";
  /** Encoding of the responses; defaults to the server's choice among what the client accepts. */
  responseEncoding: string;
  /** Whether the last message handed to the handler arrived compressed. */
  readonly lastRequestCompressed: boolean;
  /**
   * Send the response headers now, before the first message (as grpc-js `sendMetadata`), so that
   * the client learns the call was accepted: call it once the request is checked and before slow
   * work (a gateway commits its HTTP 200 only then). Headers set later are not sent. Does nothing
   * once they were sent, and on protocols without separate response headers (Thrift).
   */
  sendHeaders(): void;
}

/** @internal Where a ServerContext's `sendHeaders()` goes; set by transports that can send headers early. */
export interface HeaderTarget {
  sendHeaders(): void;
}

export interface ClientCallContext extends CallContext {
  readonly side: "client";
  /** Encoding for the request messages (`gzip`, `deflate`, `identity`). */
  readonly requestEncoding: string | undefined;
  /** Called by the transport when response headers arrive. */
  readonly onHeader: ((headers: Metadata) => void) | undefined;
  /** Called by the transport when trailers arrive (also on error). */
  readonly onTrailer: ((trailers: Metadata) => void) | undefined;
  /** Whether the last response message handed to the caller arrived compressed; set by the transport. */
  readonly lastResponseCompressed: boolean;
}

/** What a transport knows of an incoming call when it builds its context. @internal */
export interface ServerContextInit extends CallScopeOptions {
  readonly method: MethodDescriptor;
  readonly requestMetadata: Metadata;
  readonly peer: string;
  readonly protocol: string;
  /** Default "identity". */
  readonly responseEncoding?: string;
}

/** @internal Built by transports for each incoming call: the call's scope and its metadata. */
export class ServerContext extends CallScope implements ServerCallContext {
  readonly side = "server" as const;
  readonly method: MethodDescriptor;
  readonly requestMetadata: Metadata;
  readonly peer: string;
  readonly protocol: string;
  readonly responseHeaders = new Metadata();
  readonly responseTrailers = new Metadata();
  readonly values = new Map<unknown, unknown>();
  lastRequestCompressed = false;
  responseEncoding: string;
  /** @internal */
  headerTarget: HeaderTarget | undefined = undefined;

  constructor(init: ServerContextInit) {
    super(init);
    this.method = init.method;
    this.requestMetadata = init.requestMetadata;
    this.peer = init.peer;
    this.protocol = init.protocol;
    this.responseEncoding = init.responseEncoding ?? "identity";
  }
  timeRemaining(): number | undefined {
    return this.remainingMs();
  }
  sendHeaders(): void {
    this.headerTarget?.sendHeaders();
  }
}

/** What the client knows of an outgoing call when it builds its context. @internal */
export interface ClientContextInit extends CallScopeOptions {
  readonly method: MethodDescriptor;
  readonly requestMetadata: Metadata;
  readonly peer: string;
  readonly protocol: string;
  readonly requestEncoding?: string | undefined;
  readonly onHeader?: ((headers: Metadata) => void) | undefined;
  readonly onTrailer?: ((trailers: Metadata) => void) | undefined;
}

/** @internal Built by the client for each outgoing call: the call's scope and its metadata. */
export class ClientContext extends CallScope implements ClientCallContext {
  readonly side = "client" as const;
  readonly method: MethodDescriptor;
  readonly requestMetadata: Metadata;
  readonly peer: string;
  readonly protocol: string;
  readonly requestEncoding: string | undefined;
  readonly onHeader: ((headers: Metadata) => void) | undefined;
  readonly onTrailer: ((trailers: Metadata) => void) | undefined;
  lastResponseCompressed = false;
  private headerMap: Metadata | undefined = undefined;
  private trailerMap: Metadata | undefined = undefined;
  private valueMap: Map<unknown, unknown> | undefined = undefined;

  constructor(init: ClientContextInit) {
    super(init);
    this.method = init.method;
    this.requestMetadata = init.requestMetadata;
    this.peer = init.peer;
    this.protocol = init.protocol;
    this.requestEncoding = init.requestEncoding;
    this.onHeader = init.onHeader;
    this.onTrailer = init.onTrailer;
  }
  /** Created on first use (a context that shares its parent's never makes its own). */
  get responseHeaders(): Metadata {
    return (this.headerMap ??= new Metadata());
  }
  get responseTrailers(): Metadata {
    return (this.trailerMap ??= new Metadata());
  }
  get values(): Map<unknown, unknown> {
    return (this.valueMap ??= new Map());
  }
  timeRemaining(): number | undefined {
    return this.remainingMs();
  }
}
