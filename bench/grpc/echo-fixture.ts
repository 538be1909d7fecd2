/**
 * The payloads shared by every gRPC benchmark, encoded by hand so the bare node:http2 server and the
 * counting client need no framework. Messages follow bench/proto/echo.proto.
 */

export const SERVICE = "bench.echo.Echo";
export const UNARY_PATH = `/${SERVICE}/Unary`;
export const STREAM_PATH = `/${SERVICE}/ServerStream`;

/** Encoded size of the unary message: tag (1) + length (1) + 62 payload bytes = 64 bytes. */
export const UNARY_MESSAGE_BYTES = 64;
/** Encoded size of each server-streamed message: tag (1) + length (1) + 30 payload bytes = 32 bytes. */
export const STREAM_MESSAGE_BYTES = 32;

/** Payload length that makes an encoded EchoMessage exactly `messageBytes` long (up to 129 bytes). */
export function payloadSizeFor(messageBytes: number): number {
  const size = messageBytes - 2;
  if (size < 0 || size > 127) throw new RangeError(`message size ${messageBytes} outside 2..129`);
  return size;
}

/** Encoded EchoMessage{payload} for payloads under 128 bytes. */
export function encodeEchoMessage(payload: Uint8Array): Buffer {
  if (payload.length > 127) throw new RangeError("payload must be under 128 bytes");
  const out = Buffer.allocUnsafe(2 + payload.length);
  out[0] = 0x0a;
  out[1] = payload.length;
  out.set(payload, 2);
  return out;
}

/** The payload bytes: a fixed, recognisable pattern. */
export function patternBytes(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

/** One uncompressed gRPC envelope: flag 0, big-endian length, message. */
export function envelope(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** Encoded StreamRequest{count, size}. */
export function encodeStreamRequest(count: number, size: number): Buffer {
  const bytes = [0x08, ...varint(count), 0x10, ...varint(size)];
  return Buffer.from(bytes);
}

/** Decode StreamRequest{count, size}; unknown fields are rejected (the bench sends only these two). */
export function decodeStreamRequest(bytes: Uint8Array): { count: number; size: number } {
  let count = 0;
  let size = 0;
  let i = 0;
  while (i < bytes.length) {
    const tag = bytes[i++]!;
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (i >= bytes.length || shift > 28) throw new RangeError("bad varint in StreamRequest");
      const b = bytes[i++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (tag === 0x08) count = value;
    else if (tag === 0x10) size = value;
    else throw new RangeError(`unexpected tag ${tag} in StreamRequest`);
  }
  return { count, size };
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
