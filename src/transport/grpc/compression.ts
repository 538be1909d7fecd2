import { promisify } from "node:util";
import zlib from "node:zlib";
import { Code, RpcError } from "../../core/index.js";

/** Encodings Weir speaks, in order of preference for responses. */
export const SUPPORTED_ENCODINGS = ["gzip", "deflate", "identity"] as const;
export const ACCEPT_ENCODING_HEADER = SUPPORTED_ENCODINGS.join(",");

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

/** Below this size compression runs synchronously: cheaper than a trip to the thread pool. */
const SYNC_BYTES = 32 * 1024;

export function isSupportedEncoding(name: string): boolean {
  return name === "identity" || name === "gzip" || name === "deflate";
}

export async function compress(encoding: string, data: Uint8Array): Promise<Buffer> {
  const small = data.byteLength < SYNC_BYTES;
  switch (encoding) {
    case "gzip": return small ? zlib.gzipSync(data) : gzip(data);
    case "deflate": return small ? zlib.deflateSync(data) : deflate(data);
    default: throw new RpcError(Code.Internal, `cannot compress with unsupported encoding "${encoding}"`);
  }
}

/** Inflate a message, refusing to produce more than `maxBytes` (a zip bomb is RESOURCE_EXHAUSTED). */
export async function decompress(encoding: string, data: Uint8Array, maxBytes: number): Promise<Buffer> {
  const opts = { maxOutputLength: maxBytes };
  try {
    const small = data.byteLength < SYNC_BYTES;
    switch (encoding) {
      case "gzip": return small ? zlib.gunzipSync(data, opts) : await gunzip(data, opts);
      case "deflate": return small ? zlib.inflateSync(data, opts) : await inflate(data, opts);
      default: throw new RpcError(Code.Unimplemented, `message compressed with unsupported encoding "${encoding}"`);
    }
  } catch (e) {
    if (e instanceof RpcError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ERR_BUFFER_TOO_LARGE" || (err instanceof RangeError && /Cannot create a Buffer larger/.test(err.message))) {
      throw new RpcError(Code.ResourceExhausted, `decompressed message exceeds the limit of ${maxBytes} bytes`, { cause: e });
    }
    throw new RpcError(Code.Internal, `cannot decompress message (${encoding}): ${err.message}`, { cause: e });
  }
}

/** The first encoding of ours that the peer lists in grpc-accept-encoding, preferring `wanted`. */
export function pickEncoding(wanted: string, acceptHeader: string | undefined): string {
  if (wanted === "identity" || !acceptHeader) return "identity";
  const accepted = acceptHeader.split(",").map((s) => s.trim());
  return accepted.includes(wanted) ? wanted : "identity";
}
