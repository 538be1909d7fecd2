import type http2 from "node:http2";
import { Code, RpcError, type Limits } from "../../core/index.js";
import type { ClientCallContext, MethodDescriptor } from "../../rpc/index.js";
import { codeFromHttp2Error, http2ErrorName, rpcErrorFromNodeError } from "../node-error.js";
import { decompress } from "./compression.js";
import { EnvelopeReader, type FrameSink } from "./envelope.js";
import { appendMetadata, checkResponseHeaders, statusFromTrailers } from "./client-response.js";
import { sessionError, type SessionPool } from "./session-pool.js";
import type { CachedHeaders } from "./request-headers.js";
import { attachCall, callOf, detachCall, isDetached, onStreamClose, onStreamData, onStreamEnd } from "./stream-calls.js";

const NGHTTP2_NO_ERROR = 0;
const NGHTTP2_REFUSED_STREAM = 7;
const NGHTTP2_CANCEL = 8;

/** What every call of one transport shares. @internal */
export interface CallShared {
  readonly limits: Readonly<Limits>;
  readonly pool: SessionPool;
  /** Request headers of calls with no compression or metadata, by path (see client-transport). */
  readonly headerCache: Map<string, CachedHeaders>;
}

// The stream's listeners: data, end and close are the shared ones of `stream-calls.ts`.
function onResponse(this: http2.ClientHttp2Stream, headers: http2.IncomingHttpHeaders): void { callOf<ClientCall>(this).onResponse(headers); }
function onTrailers(this: http2.ClientHttp2Stream, trailers: http2.IncomingHttpHeaders): void {
  const call = callOf<ClientCall>(this);
  if (!isDetached(call)) call.trailers = trailers;
}
function onError(this: http2.ClientHttp2Stream, e: unknown): void {
  const call = callOf<ClientCall>(this);
  if (!isDetached(call)) call.nodeError ??= e;
}

/**
 * One gRPC call on an HTTP/2 stream: reads response headers, envelopes and trailers, and turns
 * every way a stream can end into one outcome (null for OK, or an RpcError). Subclasses decide
 * what to do with messages and the outcome (a unary result, or a pull-based stream).
 * @internal
 */
export abstract class ClientCall {
  stream: http2.ClientHttp2Stream | undefined;
  /** Set once the outcome is known; later events are ignored. */
  done = false;
  trailers: http2.IncomingHttpHeaders | undefined;
  nodeError: unknown;
  protected responseEncoding = "identity";
  /** Created on the first chunk that is not exactly one whole envelope. */
  private reader: EnvelopeReader | undefined;
  private sink: FrameSink | undefined;
  private session: http2.ClientHttp2Session | undefined;
  /** The call holds a stream slot of `session` (taken by the pool's acquire), given back once. */
  private holdsSlot = false;
  /** The call listens on its context's abort. */
  private listening = false;
  private headersSeen = false;
  /** The server did not process the stream (REFUSED_STREAM, GOAWAY, or it was never sent). */
  private unprocessed = false;
  private replayed = false;
  /**
   * Set by the transport when the request can be sent again: opens a new stream for a call the
   * server never processed (gRPC's transparent retry, once). Returns false when it could not.
   */
  replay: ((call: ClientCall) => boolean) | undefined;
  /** What `replay` sends again: the request headers and the only request envelope. */
  sentHeaders: http2.OutgoingHttpHeaders | undefined;
  sentEnvelope: Buffer | [Buffer, Uint8Array] | undefined;

  constructor(readonly ctx: ClientCallContext, readonly method: MethodDescriptor, readonly shared: CallShared) {}

  /** Take over the stream slot `acquire` took on `session`; a slot held before is given back. */
  holdSlot(session: http2.ClientHttp2Session): void {
    if (this.holdsSlot) this.shared.pool.streamEnded(this.session!);
    this.session = session;
    this.holdsSlot = true;
  }

  /** Open the stream on the session whose slot the call holds; throws what session.request throws (the caller maps it). */
  open(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream {
    const stream = session.request(headers);
    this.stream = stream;
    this.session = session;
    attachCall(stream, this);
    stream.on("response", onResponse);
    stream.on("data", onStreamData);
    stream.on("trailers", onTrailers);
    // With the request side already ended (unary, server-streaming), 'close' follows 'end' at once
    // and one listener fewer is measurably cheaper; request streams need 'end' to stop sending early.
    if (this.method.kind === "client" || this.method.kind === "bidi") stream.on("end", onStreamEnd);
    stream.on("error", onError);
    stream.on("close", onStreamClose);
    this.listening = true;
    this.ctx.scope.onAbort(this.onScopeAbort); // no AbortSignal needed
    return stream;
  }

  private readonly onScopeAbort = (reason: RpcError): void => this.cancel(reason);

  /** End the call locally with `reason`, resetting the stream with CANCEL. */
  cancel(reason: RpcError): void {
    if (this.done) return;
    this.complete(reason);
    const s = this.stream;
    if (s !== undefined && !s.closed) s.close(NGHTTP2_CANCEL);
  }

  onResponse(headers: http2.IncomingHttpHeaders): void {
    if (this.done) return;
    this.headersSeen = true;
    if (headers["grpc-status"] !== undefined) {
      this.trailers = headers; // trailers-only: the outcome is read at the end of the stream
      return;
    }
    const bad = checkResponseHeaders(headers);
    if (bad !== undefined) return this.cancel(bad);
    const enc = headers["grpc-encoding"];
    if (enc !== undefined) this.responseEncoding = enc as string;
    const ctx = this.ctx;
    const tooBig = appendMetadata(headers, ctx, false, this.shared.limits.maxMetadataBytes);
    if (tooBig !== undefined) return this.cancel(tooBig);
    if (ctx.onHeader === undefined) return;
    try {
      ctx.onHeader(ctx.responseHeaders);
    } catch (e) {
      this.cancel(RpcError.from(e, Code.Unknown));
    }
  }

  onData(chunk: Buffer): void {
    if (this.done) return;
    const max = this.shared.limits.maxReceiveMessageBytes;
    if (this.reader === undefined && chunk.length >= 5 && chunk[0]! <= 1) {
      const len = chunk.readUInt32BE(1); // fast path: the chunk is exactly one envelope
      if (len + 5 === chunk.length && len <= max) return this.onMessage(chunk[0] === 1, chunk.subarray(5));
    }
    try {
      this.reader ??= new EnvelopeReader(max);
      this.reader.push(chunk, (this.sink ??= (compressed, payload) => this.onMessage(compressed, payload)));
    } catch (e) {
      this.cancel(RpcError.from(e, Code.Internal));
    }
  }

  /** The server ended its side: the outcome comes from the trailers. */
  onEnd(): void {
    if (this.done) return;
    const t = this.trailers;
    let outcome = t === undefined
      ? this.outcomeWithoutStatus("server ended the stream without trailers")
      : statusFromTrailers(t, this.ctx, this.shared.limits.maxMetadataBytes);
    if (outcome === null) {
      try { this.reader?.finish(); } catch (e) { outcome = RpcError.from(e, Code.Internal); }
    }
    this.complete(outcome);
    const s = this.stream!;
    if (!s.writableEnded && !s.closed) s.close(NGHTTP2_NO_ERROR); // the call is over: stop sending
  }

  onClose(): void {
    this.release();
    if (this.done) return;
    if (this.stream!.readableEnded) return this.onEnd();
    this.complete(this.outcomeWithoutStatus("stream closed without a grpc-status"));
  }

  /** Give back the stream slot and stop listening on the call's abort. */
  private release(): void {
    if (this.holdsSlot) {
      this.holdsSlot = false;
      this.shared.pool.streamEnded(this.session!);
    }
    if (!this.listening) return;
    this.listening = false;
    this.ctx.scope.offAbort(this.onScopeAbort);
  }

  /** Move the call to a new stream (transparent retry); false when that is not possible. */
  private reopen(): boolean {
    this.replayed = true;
    detachCall(this.stream!);
    this.release();
    this.stream = undefined;
    this.trailers = undefined;
    this.nodeError = undefined;
    this.reader = undefined;
    this.unprocessed = false;
    return this.replay!(this);
  }

  /** The outcome of a stream that ended with no status: a Node error, a reset code, or `fallback`. */
  private outcomeWithoutStatus(fallback: string): RpcError {
    const rst = this.stream!.rstCode;
    const e = this.nodeError as { code?: string } | undefined;
    const code = e?.code;
    if (rst === NGHTTP2_REFUSED_STREAM || code === "ERR_HTTP2_STREAM_CANCEL" || code === "ERR_HTTP2_GOAWAY_SESSION") {
      this.unprocessed = true;
    }
    if (e !== undefined && code !== "ERR_HTTP2_STREAM_ERROR") return rpcErrorFromNodeError(e, Code.Unavailable);
    if (rst === NGHTTP2_REFUSED_STREAM) return new RpcError(Code.Unavailable, "the server refused the stream (REFUSED_STREAM)");
    const session = this.session!;
    if (session.destroyed || session.closed) {
      const cause = sessionError(session);
      if (cause !== undefined) return rpcErrorFromNodeError(cause, Code.Unavailable);
      return new RpcError(Code.Unavailable, `the connection to ${this.ctx.peer} closed before the call completed`);
    }
    if (rst !== undefined && rst !== NGHTTP2_NO_ERROR) {
      return new RpcError(codeFromHttp2Error(rst), `stream reset by the server with ${http2ErrorName(rst)}`);
    }
    return new RpcError(Code.Internal, fallback);
  }

  /** Record the outcome once, tell onTrailer, and hand it to the subclass. */
  protected complete(outcome: RpcError | null): void {
    if (outcome !== null && this.unprocessed && this.replay !== undefined && !this.replayed && !this.headersSeen && this.reopen()) return;
    this.done = true;
    if (this.stream === undefined) this.release(); // never opened: nothing else gives the slot back
    const ctx = this.ctx;
    if (ctx.onTrailer !== undefined) {
      try { ctx.onTrailer(ctx.responseTrailers); } catch { /* a throwing callback must not change the outcome */ }
    }
    this.settle(outcome);
  }

  /** Turn a received payload into a message: inflate if flagged, then decode. */
  protected decodeMessage(compressed: boolean, payload: Buffer): unknown {
    (this.ctx as { lastResponseCompressed: boolean }).lastResponseCompressed = compressed;
    if (compressed) return this.inflate(payload).then((bytes) => this.method.output.decode(bytes));
    return this.method.output.decode(payload);
  }

  private async inflate(payload: Buffer): Promise<Buffer> {
    const enc = this.responseEncoding;
    if (enc === "identity") throw new RpcError(Code.Internal, "server sent a compressed message without a grpc-encoding");
    try {
      return await decompress(enc, payload, this.shared.limits.maxReceiveMessageBytes);
    } catch (e) {
      const err = RpcError.from(e, Code.Internal);
      throw err.code === Code.Unimplemented ? new RpcError(Code.Internal, err.rawMessage, { cause: e }) : err;
    }
  }

  /** Fail the call from outside the stream's events (e.g. a request could not be encoded). */
  abstract fail(e: unknown): void;
  protected abstract onMessage(compressed: boolean, payload: Buffer): void;
  protected abstract settle(outcome: RpcError | null): void;
}
