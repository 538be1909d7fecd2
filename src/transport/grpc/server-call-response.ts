import type { OutgoingHttpHeaders } from "node:http2";
import { Code, RpcError } from "../../core/index.js";
import { OutgoingMessage, endServerCall, type Route } from "../../rpc/index.js";
import { isSupportedEncoding, pickEncoding } from "./compression.js";
import { encodeEnvelope } from "./envelope.js";
import { GuardedCall } from "./server-call-guard.js";
import type { GrpcServerContext } from "./server-context.js";
import {
  COUNTED_SEND_BYTES, WITH_TRAILERS, checkSendSize, compressMessage, resetStream, respondTrailersOnly, responseHeaders,
  statusTrailers, stopReading, writeUnary, type Encoded, type SlicedWrite,
} from "./server-send.js";
import type { BatchWriter } from "./server-stream.js";

/** @internal What the engine learned from the request headers. */
export interface CallStart {
  readonly contentType: string;
  readonly requestEncoding: string;
  readonly acceptEncoding: string | undefined;
  readonly deadline: number | undefined;
}

/**
 * @internal The response side of a gRPC server call: headers, response envelopes (batched for
 * streams, one write for unary), flow control with the send timeout, the status and trailers.
 * `ServerCall` adds the request side and the handler.
 */
export abstract class ResponseCall extends GuardedCall {
  abstract readonly ctx: GrpcServerContext;
  protected abstract readonly route: Route;
  protected abstract readonly start: CallStart;
  done = false;
  blocked = false;
  protected headersSent = false;
  protected trailers: OutgoingHttpHeaders | undefined;
  protected sendEncoding = "identity";
  protected batch: BatchWriter | undefined;
  protected sliced: SlicedWrite | undefined;
  private drained: (() => void) | undefined;

  /** The request stream (if any) ends with the call. */
  protected abstract closeRequests(err: RpcError | undefined): void;

  /** A unary response encoded on its own: counted against the send buffer bounds, then sent. */
  protected sendEncoded(encoded: Encoded): void {
    if (this.done) return;
    const size = encoded.bytes.byteLength + 5;
    if (size > COUNTED_SEND_BYTES) {
      const over = this.takeSend(size);
      if (over !== undefined) return this.finish(over);
    }
    this.sendUnary(encodeEnvelope(encoded.bytes, encoded.compressed));
  }

  /** Send a unary response's envelope (its bytes already counted) and the status. */
  protected sendUnary(env: Buffer | [Buffer, Uint8Array]): void {
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

  /** The encoding of responses, fixed when the headers go out. */
  protected sendEncodingNow(): string {
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
  protected writeHeaders(): void {
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

  protected queueCompressed(bytes: Uint8Array): void {
    if (!this.done) this.batch!.append(bytes, true);
  }

  waitWritable(): Promise<void> {
    if (!this.blocked || this.done) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  /** The stream's buffer is full: the handler waits, and the client must take some within the send timeout. */
  protected onFull(): void {
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

  protected wake(): void {
    const resolve = this.drained;
    this.drained = undefined;
    resolve?.();
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
    this.closeRequests(err);
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
}
