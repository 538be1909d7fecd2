import type { OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { Code, RpcError } from "../../core/index.js";
import { OutgoingMessage, beginServerCall, endServerCall, invokeRoute, type Route } from "../../rpc/index.js";
import { isSupportedEncoding, pickEncoding } from "./compression.js";
import { EnvelopeReader, encodeEnvelope } from "./envelope.js";
import { cancelledByPeer } from "../node-error.js";
import { thriftDeclaredResult } from "./thrift-compat.js";
import { GrpcServerContext } from "./server-context.js";
import { RequestStream, inflate, type RequestSource } from "./server-request.js";
import { endLater, listen, type StreamEvents } from "./server-listeners.js";
import {
  COUNTED_SEND_BYTES, WITH_TRAILERS, checkSendSize, compressMessage, encodeEnvelopeInto, encodeResponse, resetStream,
  respondTrailersOnly, responseHeaders, statusTrailers, stopReading, writeUnary, type Encoded, type SlicedWrite,
} from "./server-send.js";
import { BatchWriter, pumpResponses, type ResponseSink } from "./server-stream.js";
import { GuardedCall, type CallEnv } from "./server-call-guard.js";

export type { CallEnv } from "./server-call-guard.js";

/** @internal What the engine learned from the request headers. */
export interface CallStart {
  readonly contentType: string;
  readonly requestEncoding: string;
  readonly acceptEncoding: string | undefined;
  readonly deadline: number | undefined;
}

/**
 * @internal One gRPC call on the server: reads request envelopes from the HTTP/2 stream, runs the
 * route (middleware and handler), writes response envelopes and the status.
 */
export class ServerCall extends GuardedCall implements RequestSource, ResponseSink, StreamEvents {
  readonly ctx: GrpcServerContext;
  done = false;
  blocked = false;
  private headersSent = false;
  private readonly reader: EnvelopeReader;
  private frame: Buffer | undefined;
  private frameCompressed = false;
  private frames = 0;
  private requests: RequestStream | undefined;
  private trailers: OutgoingHttpHeaders | undefined;
  private sendEncoding = "identity";
  private batch: BatchWriter | undefined;
  private sliced: SlicedWrite | undefined;
  private drained: (() => void) | undefined;
  private readonly sink = (compressed: boolean, payload: Buffer): void => this.onFrame(compressed, payload);

  constructor(
    env: CallEnv,
    stream: ServerHttp2Stream,
    private readonly route: Route,
    rawHeaders: readonly string[],
    private readonly start: CallStart,
  ) {
    super(env, stream, start.deadline);
    const o = env.options;
    const wanted = o.compression === "identity" ? "identity" : pickEncoding(o.compression, start.acceptEncoding);
    this.ctx = new GrpcServerContext(route.method, stream, rawHeaders, start.deadline, wanted, this);
    this.reader = new EnvelopeReader(o.limits.maxReceiveMessageBytes);
  }

  protected get path(): string {
    return this.route.method.path;
  }

  protected get writesDone(): number {
    return (this.batch ?? this.sliced)?.writesDone ?? 0;
  }

  /** Attach to the stream and, for request-streaming methods, run the handler at once. */
  begin(): void {
    const stream = this.stream;
    const kind = this.route.method.kind;
    listen(stream, this);
    this.guard();
    beginServerCall(this.ctx);
    if (kind === "server" || kind === "bidi") {
      this.batch = new BatchWriter(stream, this.env.options.limits.maxSendMessageBytes, this, () => this.onFull(), () => this.onDrain());
    }
    if (kind === "client" || kind === "bidi") {
      this.requests = new RequestStream(this, this.route.method.input, this.start.requestEncoding, this.env.options.limits.maxReceiveMessageBytes, this.env.inflateGate);
      void this.run(this.requests);
    }
  }

  // --- request side --------------------------------------------------------------------------

  onData(chunk: Buffer): void {
    if (this.done) return;
    try {
      this.reader.push(chunk, this.sink);
    } catch (e) {
      this.fail(RpcError.from(e, Code.Internal));
    }
  }

  private onFrame(compressed: boolean, payload: Buffer): void {
    if (this.requests !== undefined) return this.requests.push(compressed, payload);
    if (++this.frames > 1) return this.fail(new RpcError(Code.Internal, `more than one request message for ${this.route.method.kind} method ${this.route.method.path}`));
    this.frame = payload;
    this.frameCompressed = compressed;
  }

  onEnd(): void {
    if (this.done) return;
    // A reset also ends the readable side, and 'end' comes before 'aborted': whatever is not a
    // complete request is judged on the next turn of the loop, when a reset has closed the call,
    // so that a cancelled call is CANCELLED and not a truncated message or a complete request stream.
    if (this.requests !== undefined || this.frame === undefined || !this.readerComplete()) return void setImmediate(endLater, this);
    if (this.frameCompressed) {
      inflate(this.start.requestEncoding, this.frame, this.env.options.limits.maxReceiveMessageBytes, this.env.inflateGate)
        .then((bytes) => this.decodeAndRun(bytes, true), (e) => this.fail(RpcError.from(e, Code.Internal)));
    } else {
      this.decodeAndRun(this.frame, false);
    }
  }

  private readerComplete(): boolean {
    try {
      this.reader.finish();
      return true;
    } catch {
      return false;
    }
  }

  /** @internal The end of a request that is incomplete, or a request stream, one turn later. */
  endLater(): void {
    if (this.done) return;
    try {
      this.reader.finish();
    } catch (e) {
      return this.fail(RpcError.from(e, Code.Internal));
    }
    if (this.requests !== undefined) return this.requests.end();
    this.fail(new RpcError(Code.Internal, `no request message for ${this.route.method.kind} method ${this.route.method.path}`));
  }

  private decodeAndRun(bytes: Uint8Array, compressed: boolean): void {
    if (this.done) return;
    let request: unknown;
    try {
      request = this.route.method.input.decode(bytes);
    } catch (e) {
      return this.fail(RpcError.from(e, Code.Internal));
    }
    this.ctx.lastRequestCompressed = compressed;
    void this.run(request);
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  handedOut(compressed: boolean): void {
    this.ctx.lastRequestCompressed = compressed;
  }

  // --- handler -------------------------------------------------------------------------------

  private async run(request: unknown): Promise<void> {
    let result: unknown;
    try {
      result = await invokeRoute(this.route, request, this.ctx);
    } catch (e) {
      const declared = thriftDeclaredResult(this.route.method, e); // Thrift: a declared exception is a normal response
      if (declared === undefined || this.done) return this.finish(RpcError.from(e));
      return this.sendEncoded({ bytes: declared, compressed: false });
    }
    if (this.done) return;
    if (this.batch !== undefined) return pumpResponses(this, result as AsyncIterable<unknown>);
    try {
      const codec = this.route.method.output;
      const maxBytes = this.env.options.limits.maxSendMessageBytes;
      const encoding = this.sendEncodingNow();
      // Straight into its envelope: one buffer, and a message over the send buffer bounds is refused before it is built.
      if (encoding === "identity" && codec.encodeInto !== undefined && !(result instanceof OutgoingMessage)) {
        return this.sendUnary(encodeEnvelopeInto(codec, result, maxBytes, this));
      }
      const encoded = encodeResponse(result, codec, encoding, maxBytes);
      this.sendEncoded(encoded instanceof Promise ? await encoded : encoded);
    } catch (e) {
      this.finish(RpcError.from(e, Code.Internal));
    }
  }

  /** A unary response encoded on its own: counted against the send buffer bounds, then sent. */
  private sendEncoded(encoded: Encoded): void {
    if (this.done) return;
    const size = encoded.bytes.byteLength + 5;
    if (size > COUNTED_SEND_BYTES) {
      const over = this.takeSend(size);
      if (over !== undefined) return this.finish(over);
    }
    this.sendUnary(encodeEnvelope(encoded.bytes, encoded.compressed));
  }

  /** Send a unary response's envelope (its bytes already counted) and the status. */
  private sendUnary(env: Buffer | [Buffer, Uint8Array]): void {
    if (this.done) return;
    this.done = true;
    this.release();
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return endServerCall(this.ctx);
    try {
      if (!this.headersSent) this.writeHeaders();
    } catch (e) {
      return endServerCall(this.ctx, RpcError.from(e, Code.Internal));
    }
    this.trailers = statusTrailers(undefined, this.ctx.trailersIfAny());
    this.sliced = writeUnary(stream, env);
    this.watchSend();
    endServerCall(this.ctx);
  }

  // --- response side -------------------------------------------------------------------------

  /** The encoding of responses, fixed when the headers go out. */
  private sendEncodingNow(): string {
    if (this.headersSent) return this.sendEncoding;
    const wanted = this.ctx.responseEncoding;
    if (wanted === "identity" || !isSupportedEncoding(wanted)) return (this.sendEncoding = "identity");
    return (this.sendEncoding = pickEncoding(wanted, this.start.acceptEncoding));
  }

  /** The handler asked for the response headers now (`ctx.sendHeaders()`): the call is accepted. */
  sendHeaders(): void {
    const stream = this.stream;
    if (this.done || this.headersSent || stream.destroyed || stream.closed) return;
    try {
      this.writeHeaders();
    } catch (e) {
      this.finish(RpcError.from(e, Code.Internal));
    }
  }

  /** Response headers before the first message; a header Node refuses fails the call with INTERNAL. */
  private writeHeaders(): void {
    const h = responseHeaders(this.start.contentType, this.sendEncodingNow(), this.ctx.headersIfAny());
    this.headersSent = true;
    try {
      this.stream.respond(h, WITH_TRAILERS);
    } catch (e) {
      resetStream(this.stream);
      throw new RpcError(Code.Internal, `cannot send the response headers: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Encode and batch one response message (the hot path of streams). */
  send(value: unknown): Promise<void> | undefined {
    let compress = true;
    if (value instanceof OutgoingMessage) {
      compress = value.compress;
      value = value.value;
    }
    const codec = this.route.method.output;
    const plain = this.sendEncodingNow() === "identity" || !compress;
    if (plain && codec.encodeInto !== undefined) {
      codec.encodeInto(value, this.batch!); // straight into the batch: no intermediate bytes
      if (!this.headersSent) this.writeHeaders();
      this.batch!.commit();
      return undefined;
    }
    const bytes = codec.encode(value);
    checkSendSize(bytes, this.env.options.limits.maxSendMessageBytes);
    if (!this.headersSent) this.writeHeaders();
    if (plain) {
      this.batch!.append(bytes, false);
      return undefined;
    }
    const packed = compressMessage(this.sendEncoding, bytes);
    if (packed instanceof Promise) return packed.then((b) => this.queueCompressed(b));
    this.batch!.append(packed, true);
    return undefined;
  }

  private queueCompressed(bytes: Uint8Array): void {
    if (!this.done) this.batch!.append(bytes, true);
  }

  waitWritable(): Promise<void> {
    if (!this.blocked || this.done) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  /** The stream's buffer is full: the handler waits, and the client must take some within the send timeout. */
  private onFull(): void {
    this.blocked = true;
    this.watchSend();
  }

  /** The stream's buffer has room again. */
  onDrain(): void {
    if (!this.blocked) return;
    this.blocked = false;
    this.unwatchSend();
    this.wake();
  }

  private wake(): void {
    const resolve = this.drained;
    this.drained = undefined;
    resolve?.();
  }

  /** A protocol or limit error while reading the request: the call fails with it. */
  fail(err: RpcError): void {
    this.finish(err);
  }

  /** Send the status (OK without `err`) and end the call; later calls do nothing. */
  finish(err: RpcError | undefined): void {
    if (this.done) return;
    this.done = true;
    this.release();
    const stream = this.stream;
    if (!stream.destroyed && !stream.closed) {
      if (!this.headersSent) {
        this.headersSent = true;
        respondTrailersOnly(stream, this.start.contentType, err, this.ctx.headersIfAny(), this.ctx.trailersIfAny());
      } else {
        this.trailers = statusTrailers(err, this.ctx.trailersIfAny());
        this.batch?.flush();
        stream.end();
        this.watchSend();
      }
      if (!stream.readableEnded) stream.resume(); // discard what the client still sends until the status is out
    }
    endServerCall(this.ctx, err);
    this.requests?.close(err);
    this.wake();
  }

  onWantTrailers(): void {
    const trailers = this.trailers ?? statusTrailers(new RpcError(Code.Internal, "the call ended without a status"), undefined);
    this.trailers = undefined;
    try {
      this.stream.sendTrailers(trailers);
    } catch {
      return resetStream(this.stream); // a trailer Node refuses (e.g. a connection-specific name in metadata)
    }
    // The client is still sending: once the trailers are out, ask it to stop (RST_STREAM NO_ERROR).
    if (!this.stream.readableEnded) setImmediate(stopReading, this.stream);
  }

  /** The stream closed: after our status this is the normal end; before it, the client went away. */
  onClose(): void {
    this.unguard();
    if (this.done) return;
    this.done = true;
    this.release();
    const err = cancelledByPeer(this.stream.rstCode);
    endServerCall(this.ctx, err);
    this.requests?.close(err);
    this.wake();
  }

  /** Cancel a call in flight (shutdown past its grace): the client gets `err` if it can still be sent. */
  cancel(err: RpcError): void {
    this.finish(err);
  }

  /** The call is given up without a status (its stream is being reset). */
  protected abandon(err: RpcError): void {
    this.done = true;
    this.release();
    endServerCall(this.ctx, err);
    this.requests?.close(err);
    this.wake();
  }
}
