import { Code, RpcError } from "../../core/index.js";

/** Below this size a message and its 5-byte prefix are copied into one buffer: one write, one frame. */
const COALESCE_BYTES = 16 * 1024;

/**
 * The 5-byte gRPC envelope: flags (bit 0 = compressed) and a big-endian u32 length.
 * Returns one buffer for small payloads, or the prefix and the payload for large ones.
 */
export function encodeEnvelope(payload: Uint8Array, compressed: boolean): Buffer | [Buffer, Uint8Array] {
  const n = payload.byteLength;
  if (n < COALESCE_BYTES) {
    const out = Buffer.allocUnsafe(5 + n);
    out[0] = compressed ? 1 : 0;
    out.writeUInt32BE(n, 1);
    out.set(payload, 5);
    return out;
  }
  const prefix = Buffer.allocUnsafe(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(n, 1);
  return [prefix, payload];
}

export type FrameSink = (compressed: boolean, payload: Buffer) => void;

/**
 * Cuts a byte stream into envelopes. Payloads that arrive whole inside one chunk are handed out as
 * views of that chunk, without copying; only messages split across chunks are assembled.
 */
export class EnvelopeReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private need = 5; // bytes still needed for the current header or payload
  private inPayload = false;
  private flags = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Feed one chunk; calls `sink` for each complete message. Throws RpcError on a bad prefix. */
  push(chunk: Buffer, sink: FrameSink): void {
    let off = 0;
    const end = chunk.length;
    if (this.pendingBytes === 0 && !this.inPayload) {
      // Fast path: whole envelopes inside this chunk (not while a payload is still being assembled:
      // after a header that arrived alone, the next chunk starts inside that payload).
      while (end - off >= 5) {
        const flags = chunk[off]!;
        const len = chunk.readUInt32BE(off + 1);
        this.check(flags, len);
        if (end - off - 5 < len) break;
        sink((flags & 1) === 1, chunk.subarray(off + 5, off + 5 + len));
        off += 5 + len;
      }
      if (off === end) return;
      chunk = chunk.subarray(off);
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= this.need) {
      const buf = this.take(this.need);
      if (!this.inPayload) {
        this.flags = buf[0]!;
        const len = buf.readUInt32BE(1);
        this.check(this.flags, len);
        if (len === 0) { sink((this.flags & 1) === 1, Buffer.alloc(0)); continue; }
        this.inPayload = true;
        this.need = len;
      } else {
        sink((this.flags & 1) === 1, buf);
        this.inPayload = false;
        this.need = 5;
      }
    }
  }

  /** Call at end of stream: a partial message is DATA_LOSS... reported as INTERNAL as gRPC does. */
  finish(): void {
    if (this.pendingBytes > 0 || this.inPayload) {
      throw new RpcError(Code.Internal, `stream ended inside a message (${this.pendingBytes} bytes of ${this.inPayload ? this.need : 5} received)`);
    }
  }

  private check(flags: number, len: number): void {
    if ((flags & 0xfe) !== 0) throw new RpcError(Code.Internal, `invalid message flags 0x${flags.toString(16)}`);
    if (len > this.maxMessageBytes) {
      throw new RpcError(Code.ResourceExhausted, `message of ${len} bytes exceeds the limit of ${this.maxMessageBytes} bytes`);
    }
  }

  private take(n: number): Buffer {
    const first = this.pending[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.pending.shift(); else this.pending[0] = first.subarray(n);
      this.pendingBytes -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.pending[0]!;
      const k = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, k);
      filled += k;
      if (k === head.length) this.pending.shift(); else this.pending[0] = head.subarray(k);
    }
    this.pendingBytes -= n;
    return out;
  }
}
