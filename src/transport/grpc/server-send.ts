import { constants, type OutgoingHttpHeaders, type ServerHttp2Stream, type ServerStreamResponseOptions } from "node:http2";
import zlib from "node:zlib";
import { Code, RpcError, type Metadata } from "../../core/index.js";
import { OutgoingMessage, type Codec } from "../../rpc/index.js";
import { ACCEPT_ENCODING_HEADER, compress } from "./compression.js";
import { metadataToHeaders } from "./headers.js";
import { statusMessage } from "./status.js";

/** Below this size a message is compressed on the calling thread: cheaper than the thread pool. */
const SYNC_COMPRESS_BYTES = 32 * 1024;

/** One response message ready for the wire: its bytes and whether they are compressed. */
export interface Encoded {
  bytes: Uint8Array;
  compressed: boolean;
}

/**
 * @internal Encode one response message, honouring the send limit and the per-message compression
 * flag of `OutgoingMessage`. Returns a promise only for large messages compressed off-thread.
 */
export function encodeResponse(
  value: unknown,
  codec: Codec,
  encoding: string,
  maxBytes: number,
): Encoded | Promise<Encoded> {
  let wantCompress = true;
  if (value instanceof OutgoingMessage) {
    wantCompress = value.compress;
    value = value.value;
  }
  const bytes = codec.encode(value);
  checkSendSize(bytes, maxBytes);
  if (encoding === "identity" || !wantCompress) return { bytes, compressed: false };
  const packed = compressMessage(encoding, bytes);
  return packed instanceof Promise ? packed.then(toCompressed) : { bytes: packed, compressed: true };
}

/** Messages this large count against the send buffer bounds (see `GuardedCall.takeSend`). */
export const COUNTED_SEND_BYTES = 32 * 1024;

/** The send buffer bounds of a call. */
export interface SendBudget {
  /** Count `n` bytes; an error (RESOURCE_EXHAUSTED) instead when they would go over. */
  takeSend(n: number): RpcError | undefined;
}

/**
 * Where a unary response is encoded: its whole envelope in one buffer, sized by the codec before
 * it writes, so that a message over the send limit or the send buffer bounds is refused before it
 * is built. One target serves every call: `encodeInto` is synchronous.
 */
class EnvelopeTarget {
  buffer: Buffer = EMPTY_BUFFER;
  offset = 0;
  maxBytes = 0;
  budget: SendBudget | undefined;

  reserve(size: number): void {
    if (size > this.maxBytes) throw tooLarge(size, this.maxBytes);
    if (size + 5 > COUNTED_SEND_BYTES) {
      const over = this.budget!.takeSend(size + 5);
      if (over !== undefined) throw over;
    }
    const out = Buffer.allocUnsafe(5 + size);
    out[0] = 0;
    out.writeUInt32BE(size, 1);
    this.buffer = out;
    this.offset = 5;
  }
}

const EMPTY_BUFFER = Buffer.alloc(0);
const envelopeTarget = new EnvelopeTarget();

/** @internal Encode a unary response (uncompressed) straight into its envelope; counts it against `budget` when large. */
export function encodeEnvelopeInto(codec: Codec, value: unknown, maxBytes: number, budget: SendBudget): Buffer {
  const t = envelopeTarget;
  t.maxBytes = maxBytes;
  t.budget = budget;
  try {
    codec.encodeInto!(value, t);
    return t.buffer;
  } finally {
    t.buffer = EMPTY_BUFFER;
    t.budget = undefined;
  }
}

/** @internal RESOURCE_EXHAUSTED for a response message over the send limit. */
export function checkSendSize(bytes: Uint8Array, maxBytes: number): void {
  if (bytes.byteLength > maxBytes) throw tooLarge(bytes.byteLength, maxBytes);
}

function tooLarge(size: number, maxBytes: number): RpcError {
  return new RpcError(Code.ResourceExhausted, `response message of ${size} bytes exceeds the limit of ${maxBytes} bytes`);
}

/** @internal Compress one message: on this thread when small, in the thread pool when large. */
export function compressMessage(encoding: string, bytes: Uint8Array): Uint8Array | Promise<Uint8Array> {
  if (bytes.byteLength >= SYNC_COMPRESS_BYTES) return compress(encoding, bytes);
  return encoding === "gzip" ? zlib.gzipSync(bytes) : zlib.deflateSync(bytes);
}

function toCompressed(bytes: Uint8Array): Encoded {
  return { bytes, compressed: true };
}

/** @internal The status trailers of a call: `grpc-status`, percent-encoded `grpc-message`, metadata. */
export function statusTrailers(err: RpcError | undefined, trailers: Metadata | undefined, into: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  if (trailers !== undefined && trailers.size > 0) metadataToHeaders(trailers, into);
  if (err === undefined) {
    into["grpc-status"] = "0";
    return into;
  }
  if (err.metadata.size > 0) metadataToHeaders(err.metadata, into);
  into["grpc-status"] = String(err.code);
  if (err.rawMessage !== "") into["grpc-message"] = statusMessage(err.rawMessage);
  return into;
}

/** @internal respond() options: trailers follow the messages; no `date` header (gRPC has no use for it). */
export const WITH_TRAILERS = Object.freeze({ waitForTrailers: true, sendDate: false }) as ServerStreamResponseOptions;
const END_STREAM = Object.freeze({ endStream: true, sendDate: false }) as ServerStreamResponseOptions;

/** @internal The response headers of a call with messages. */
export function responseHeaders(contentType: string, encoding: string, md: Metadata | undefined): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = { ":status": 200, "content-type": contentType, "grpc-accept-encoding": ACCEPT_ENCODING_HEADER };
  if (encoding !== "identity") h["grpc-encoding"] = encoding;
  if (md !== undefined && md.size > 0) metadataToHeaders(md, h);
  return h;
}

/** @internal A trailers-only response: HTTP 200 with the status in its only HEADERS frame. */
export function respondTrailersOnly(
  stream: ServerHttp2Stream,
  contentType: string,
  err: RpcError | undefined,
  headers: Metadata | undefined,
  trailers: Metadata | undefined,
  extra?: Record<string, string>,
): void {
  if (stream.destroyed || stream.closed) return;
  const h: OutgoingHttpHeaders = { ":status": 200, "content-type": contentType, ...extra };
  if (headers !== undefined && headers.size > 0) metadataToHeaders(headers, h);
  try {
    stream.respond(statusTrailers(err, trailers, h), END_STREAM);
  } catch {
    return resetStream(stream); // a header Node refuses (e.g. a connection-specific name in metadata)
  }
  stopReading(stream);
}

/** @internal An HTTP error response (not gRPC: 405, 415). */
export function respondHttp(stream: ServerHttp2Stream, status: number, extra: Record<string, string>): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond({ ":status": status, ...extra }, END_STREAM);
  stopReading(stream);
}

/**
 * @internal After a complete response, RST_STREAM NO_ERROR tells a client still sending to stop
 * (RFC 9113 section 8.1) and frees the stream's slot; Node sends it after what is already queued.
 */
/** @internal A response that cannot be sent in any form: RST_STREAM INTERNAL_ERROR (the client sees INTERNAL). */
export function resetStream(stream: ServerHttp2Stream): void {
  if (!stream.destroyed && !stream.closed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
}

/** Large unary responses are written in slices of this size, two at a time. */
const SLICE_BYTES = 64 * 1024;

/**
 * @internal A large unary response written in slices, at most two queued at a time: each slice
 * the client takes completes a write, which the send timeout counts as progress (one write of the
 * whole message would complete only once all of it was taken, and a slow reader would look stalled).
 */
export class SlicedWrite {
  /** Slices taken so far. */
  writesDone = 0;
  private offset = 0;
  private readonly written = (): void => {
    this.writesDone++;
    this.next();
  };

  constructor(private readonly stream: ServerHttp2Stream, private readonly bytes: Uint8Array) {
    this.next();
    this.next();
  }

  /** Whether `bytes` is large enough to be written in slices. */
  static wanted(bytes: Uint8Array): boolean {
    return bytes.byteLength > 2 * SLICE_BYTES;
  }

  private next(): void {
    const n = this.bytes.byteLength;
    if (this.offset >= n || this.stream.destroyed) return;
    const end = Math.min(this.offset + SLICE_BYTES, n);
    const slice = this.bytes.subarray(this.offset, end);
    this.offset = end;
    if (end === n) this.stream.end(slice, this.written);
    else this.stream.write(slice, this.written);
  }
}

/**
 * @internal Write a unary response's envelope (one buffer, or prefix and message) and end the
 * stream; a large message goes out in slices, whose writer is returned.
 */
export function writeUnary(stream: ServerHttp2Stream, env: Buffer | [Buffer, Uint8Array]): SlicedWrite | undefined {
  const body = Buffer.isBuffer(env) ? env : env[1];
  if (!Buffer.isBuffer(env)) stream.write(env[0]);
  if (SlicedWrite.wanted(body)) return new SlicedWrite(stream, body);
  stream.end(body);
  return undefined;
}

/** @internal A response the client does not take: RST_STREAM CANCEL (the queued bytes are dropped). */
export function cancelStream(stream: ServerHttp2Stream): void {
  if (!stream.destroyed && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
}

export function stopReading(stream: ServerHttp2Stream): void {
  if (!stream.destroyed && !stream.closed && !stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
}
