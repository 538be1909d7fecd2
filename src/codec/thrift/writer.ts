import { tooLarge } from "./errors.js";

/** Largest output an encoder produces. 1 GiB. */
export const MAX_ENCODED_BYTES = 1 << 30;
const SHRINK_ABOVE = 1 << 20;

/**
 * A growable output buffer, reused across encodes: `b` the bytes, `p` the write position,
 * `c` the capacity. Generated encoders check `p + n > c` and call `grow(n)` before writing.
 *
 * @example
 * const w = new ThriftWriter();
 * codec.write(w, value);           // append a struct
 * const bytes = w.finish();        // a copy; the writer is reset for the next message
 */
export class ThriftWriter {
  b: Buffer;
  p = 0;
  c: number;

  /** @param initialBytes starting capacity. Default 1024. */
  constructor(initialBytes = 1024) {
    this.b = Buffer.allocUnsafe(initialBytes);
    this.c = initialBytes;
  }

  /** Make room for `n` more bytes (at least doubling). */
  grow(n: number): void {
    const need = this.p + n;
    if (need <= this.c) return;
    if (need > MAX_ENCODED_BYTES) throw tooLarge(need, MAX_ENCODED_BYTES);
    const cap = Math.min(MAX_ENCODED_BYTES, Math.max(need, this.c * 2));
    const nb = Buffer.allocUnsafe(cap);
    this.b.copy(nb, 0, 0, this.p);
    this.b = nb;
    this.c = cap;
  }

  /** Append raw bytes. */
  bytes(src: Uint8Array): void {
    if (this.p + src.length > this.c) this.grow(src.length);
    this.b.set(src, this.p);
    this.p += src.length;
  }

  reset(): void {
    this.p = 0;
  }

  /**
   * A copy of what was written (a Buffer, which is a Uint8Array, owned by the caller); resets
   * the writer and drops a buffer that grew past 1 MiB so one large message is not kept alive.
   */
  finish(): Buffer {
    const n = this.p;
    const out = Buffer.allocUnsafe(n);
    this.b.copy(out, 0, 0, n);
    this.p = 0;
    if (this.c > SHRINK_ABOVE) {
      this.b = Buffer.allocUnsafe(1024);
      this.c = 1024;
    }
    return out;
  }
}

/**
 * Input for the decoders: `b` the bytes, `p` the read position, `e` the end (exclusive).
 * Decoders never read at or past `e` and report truncation as INVALID_ARGUMENT.
 */
export class ThriftReader {
  b: Buffer;
  p: number;
  e: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.b = asBuffer(bytes);
    this.p = start;
    this.e = end;
  }

  /** Point the reader at new input (lets a codec reuse one reader). */
  reset(bytes: Uint8Array, start = 0, end = bytes.length): this {
    this.b = asBuffer(bytes);
    this.p = start;
    this.e = end;
    return this;
  }

  get remaining(): number {
    return this.e - this.p;
  }
}

/** A Buffer view of the same memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
