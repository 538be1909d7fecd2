import type { ServerHttp2Stream } from "node:http2";
import { CallScope, Metadata } from "../../core/index.js";
import type { HeaderTarget, MethodDescriptor, ServerCallContext } from "../../rpc/index.js";
import { grpcProtocolName } from "./thrift-compat.js";
import { isReservedHeader } from "./headers.js";

/**
 * @internal The context of one gRPC call on the server, and its scope. What most handlers never
 * touch is built on first use: the AbortSignal, the metadata objects, the peer address. A call
 * that nobody asks the signal of costs no AbortController. The deadline is watched by the call
 * (with its send timeout, on one wheel entry), which aborts the scope when it passes.
 */
export class GrpcServerContext extends CallScope implements ServerCallContext {
  readonly side = "server" as const;
  /** "grpc", or "grpc+thrift" for methods loaded from Thrift IDL. */
  get protocol(): string {
    return grpcProtocolName(this.method);
  }
  lastRequestCompressed = false;
  responseEncoding: string;
  private metadata: Metadata | undefined;
  private headersOut: Metadata | undefined;
  private trailersOut: Metadata | undefined;
  private scratch: Map<unknown, unknown> | undefined;

  constructor(
    readonly method: MethodDescriptor,
    private readonly stream: ServerHttp2Stream,
    /** The request's header fields as received, `[name, value, name, value, …]`. */
    private readonly rawHeaders: readonly string[],
    /** Absolute deadline in ms since the epoch, from `grpc-timeout`. */
    deadline: number | undefined,
    responseEncoding: string,
    /** The call, which sends the response headers. */
    private readonly call: HeaderTarget,
  ) {
    super(deadline === undefined ? NO_DEADLINE : { deadline, armDeadline: false });
    this.responseEncoding = responseEncoding;
  }

  get requestMetadata(): Metadata {
    return (this.metadata ??= metadataFromRawHeaders(this.rawHeaders));
  }

  get responseHeaders(): Metadata {
    return (this.headersOut ??= new Metadata());
  }

  get responseTrailers(): Metadata {
    return (this.trailersOut ??= new Metadata());
  }

  get values(): Map<unknown, unknown> {
    return (this.scratch ??= new Map());
  }

  get peer(): string {
    const socket = this.stream.session?.socket;
    if (!socket) return "unknown";
    const host = socket.remoteAddress ?? "unknown";
    return host.includes(":") ? `[${host}]:${socket.remotePort}` : `${host}:${socket.remotePort}`;
  }

  timeRemaining(): number | undefined {
    return this.remainingMs();
  }

  sendHeaders(): void {
    this.call.sendHeaders();
  }

  /** @internal The response headers set by the handler, if it set any. */
  headersIfAny(): Metadata | undefined {
    return this.headersOut;
  }

  /** @internal The response trailers set by the handler, if it set any. */
  trailersIfAny(): Metadata | undefined {
    return this.trailersOut;
  }
}

/** Options of a scope whose call has no deadline (one frozen object for every call). */
const NO_DEADLINE = Object.freeze({});

/**
 * User metadata from the received header fields, each repeated field a separate value (Node's
 * header object would join them with ", "). `-bin` values are base64; fields that are not valid
 * metadata (reserved, upper-case, non-ASCII) are left out, as grpc-js does.
 */
function metadataFromRawHeaders(raw: readonly string[]): Metadata {
  const md = new Metadata();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!.toLowerCase();
    if (isReservedHeader(key)) continue;
    const value = raw[i + 1]!;
    try {
      if (!key.endsWith("-bin")) md.append(key, value);
      else for (const part of value.split(",")) md.append(key, Buffer.from(part.trim(), "base64"));
    } catch {
      // not valid metadata: dropped
    }
  }
  return md;
}
