import type { ServerHttp2Stream } from "node:http2";
import { Code, RpcError } from "../../core/index.js";
import { OutgoingMessage, beginServerCall, endServerCall, invokeRoute, type Route } from "../../rpc/index.js";
import { pickEncoding } from "./compression.js";
import { EnvelopeReader } from "./envelope.js";
import { cancelledByPeer } from "../node-error.js";
import { thriftDeclaredResult } from "./thrift-compat.js";
import { GrpcServerContext } from "./server-context.js";
import { RequestStream, inflate, type RequestSource } from "./server-request.js";
import { endLater, listen, type StreamEvents } from "./server-listeners.js";
import { encodeEnvelopeInto, encodeResponse } from "./server-send.js";
import { BatchWriter, pumpResponses, type ResponseSink } from "./server-stream.js";
import type { CallEnv } from "./server-call-guard.js";
import { ResponseCall, type CallStart } from "./server-call-response.js";

export type { CallStart } from "./server-call-response.js";
export type { CallEnv } from "./server-call-guard.js";


/**
 * @internal One gRPC call on the server: reads request envelopes from the HTTP/2 stream, runs the
 * route (middleware and handler), writes response envelopes and the status.
 */
export class ServerCall extends ResponseCall implements RequestSource, ResponseSink, StreamEvents {
  readonly ctx: GrpcServerContext;
  private readonly reader: EnvelopeReader;
  private frame: Buffer | undefined;
  private frameCompressed = false;
  private frames = 0;
  private requests: RequestStream | undefined;
  private readonly sink = (compressed: boolean, payload: Buffer): void => this.onFrame(compressed, payload);

  constructor(
    env: CallEnv,
    stream: ServerHttp2Stream,
    protected readonly route: Route,
    rawHeaders: readonly string[],
    protected readonly start: CallStart,
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

  /** A protocol or limit error while reading the request: the call fails with it. */
  fail(err: RpcError): void {
    this.finish(err);
  }

  /** The stream closed: after our status this is the normal end; before it, the client went away. */
  onClose(): void {
    this.unguard();
    if (this.done) return;
    this.done = true;
    this.release();
    const err = cancelledByPeer(this.stream.rstCode);
    endServerCall(this.ctx, err);
    this.closeRequests(err);
    this.wake();
  }

  /** Cancel a call in flight (shutdown past its grace): the client gets `err` if it can still be sent. */
  cancel(err: RpcError): void {
    this.finish(err);
  }

  protected closeRequests(err: RpcError | undefined): void {
    this.requests?.close(err);
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
