/**
 * What a connection speaks, from its first bytes (Kitex's detection order, plus the Apache
 * dialects): the HTTP/2 client preface means gRPC; a TTHeader frame with the Streaming flag means
 * TTHeader Streaming; strict binary (`80 01`), compact (`82`), or a u32 length followed by a
 * TTHeader (`10 00`), THeader (`0f ff`), binary or compact message means Thrift.
 */
export type Sniffed = "http2" | "ttheader-streaming" | "thrift" | "unknown";

/** The first 8 bytes of the HTTP/2 client preface, `PRI * HT`, which is all Kitex compares. */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1").subarray(0, 8);

/** Bytes needed before `sniff` can decide. */
export const SNIFF_BYTES = 8;

/**
 * Classify a connection from the bytes read so far; undefined means "read more first".
 * Unframed Thrift is recognised from two bytes, since a short message may be all a client sends.
 */
export function sniff(first: Uint8Array): Sniffed | undefined {
  if (first.length === 0) return undefined;
  const b0 = first[0]!;
  if (b0 === 0x80 || b0 === 0x82) {
    if (first.length < 2) return undefined;
    return (b0 === 0x80 && first[1] === 0x01) || (b0 === 0x82 && (first[1]! & 0x1f) === 1) ? "thrift" : "unknown";
  }
  if (first.length < SNIFF_BYTES) return isPrefixOfPreface(first) || first.length < SNIFF_BYTES ? undefined : "unknown";
  if (isPrefixOfPreface(first)) return "http2";
  const b4 = first[4]!, b5 = first[5]!;
  if (b4 === 0x10 && b5 === 0x00) return (first[7]! & 0x02) !== 0 ? "ttheader-streaming" : "thrift";
  if (b4 === 0x0f && b5 === 0xff) return "thrift";
  if (b4 === 0x80 && b5 === 0x01) return "thrift";
  if (b4 === 0x82 && (b5 & 0x1f) === 1) return "thrift";
  return "unknown";
}

function isPrefixOfPreface(b: Uint8Array): boolean {
  const n = Math.min(b.length, PREFACE.length);
  for (let i = 0; i < n; i++) if (b[i] !== PREFACE[i]) return false;
  return true;
}
