/** Size limits shared by every transport; each has a default and can be set per server or client. */
export interface Limits {
  /** Largest message accepted, after decompression. Default 4 MiB. */
  maxReceiveMessageBytes: number;
  /** Largest message sent. Default 4 MiB. */
  maxSendMessageBytes: number;
  /** Largest total of request or response metadata. Default 8 KiB (as gRPC C-core). */
  maxMetadataBytes: number;
}

export const LIMIT_DEFAULTS: Readonly<Limits> = Object.freeze({
  maxReceiveMessageBytes: 4 << 20,
  maxSendMessageBytes: 4 << 20,
  maxMetadataBytes: 8 << 10,
});

export function resolveLimits(o: Partial<Limits> = {}): Readonly<Limits> {
  const out = { ...LIMIT_DEFAULTS, ...stripUndefined(o) };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isInteger(v) || v <= 0) throw new TypeError(`limit ${k} must be a positive integer, got ${v}`);
  }
  return Object.freeze(out);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
