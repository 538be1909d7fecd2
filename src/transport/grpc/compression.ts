import { promisify } from "node:util";
import zlib from "node:zlib";
import { Code, RpcError } from "../../core/index.js";
import { ExpiryQueue } from "../expiry-queue.js";

/** Encodings Weir speaks, in order of preference for responses. */
export const SUPPORTED_ENCODINGS = ["gzip", "deflate", "identity"] as const;
export const ACCEPT_ENCODING_HEADER = SUPPORTED_ENCODINGS.join(",");

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

/** Below this size compression runs synchronously: cheaper than a trip to the thread pool. */
const SYNC_BYTES = 32 * 1024;
/**
 * With a gate, a message inflated on the event loop may produce this much; one that would produce
 * more (as its gzip trailer says, or found out by trying) goes to the thread pool, through the
 * gate. The event loop's work per message stays under a tenth of a millisecond whatever the
 * message limit, and a bomb costs no more than that: 600 bombs read in one burst cost the event
 * loop about what 600 plain messages of their size do (measured: 1 MiB here doubled the stalls).
 */
const SYNC_OUTPUT_BYTES = 64 * 1024;
/** Output chunks of inflation in the thread pool: fewer round trips to the event loop than zlib's 16 KiB. */
const ASYNC_CHUNK_BYTES = 256 * 1024;

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

/**
 * Inflate a message, refusing to produce more than `maxBytes` (a zip bomb is RESOURCE_EXHAUSTED).
 * Small messages inflate on the event loop; the rest in the thread pool, through `gate` when given:
 * it bounds how many inflate at once, so that the memory their output holds is bounded too.
 */
export async function decompress(encoding: string, data: Uint8Array, maxBytes: number, gate?: InflateGate): Promise<Buffer> {
  if (encoding !== "gzip" && encoding !== "deflate") {
    throw new RpcError(Code.Unimplemented, `message compressed with unsupported encoding "${encoding}"`);
  }
  const size = encoding === "gzip" ? gzipDeclaredSize(data) : undefined;
  if (size !== undefined && size > maxBytes) {
    throw new RpcError(Code.ResourceExhausted, `gzip trailer declares ${size} bytes decompressed, over the limit of ${maxBytes} bytes`);
  }
  const cap = gate === undefined ? maxBytes : Math.min(maxBytes, SYNC_OUTPUT_BYTES);
  if (data.byteLength < SYNC_BYTES && !(size !== undefined && size > cap)) {
    try {
      const opts = { maxOutputLength: cap };
      return encoding === "gzip" ? zlib.gunzipSync(data, opts) : zlib.inflateSync(data, opts);
    } catch (e) {
      if (!(cap < maxBytes && isTooLarge(e))) throw decompressError(e, encoding, maxBytes);
    }
  }
  return gate === undefined ? inflateAsync(encoding, data, maxBytes) : gate.run(() => inflateAsync(encoding, data, maxBytes));
}

/**
 * The size a gzip member declares in its trailer (ISIZE, RFC 1952: the input's length modulo 2^32).
 * zlib checks it once inflated, so a member declaring more than the limit is over it or invalid
 * either way: refused without inflating. One declaring less proves nothing (the limit still holds).
 */
function gzipDeclaredSize(data: Uint8Array): number | undefined {
  const n = data.byteLength;
  if (n < 18 || data[0] !== 0x1f || data[1] !== 0x8b) return undefined; // 10-byte header + 8-byte trailer at least
  return (data[n - 4]! | (data[n - 3]! << 8) | (data[n - 2]! << 16)) + data[n - 1]! * 0x1000000;
}

async function inflateAsync(encoding: string, data: Uint8Array, maxBytes: number): Promise<Buffer> {
  const opts = { maxOutputLength: maxBytes, chunkSize: ASYNC_CHUNK_BYTES };
  try {
    return await (encoding === "gzip" ? gunzip(data, opts) : inflate(data, opts));
  } catch (e) {
    throw decompressError(e, encoding, maxBytes);
  }
}

function isTooLarge(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException;
  return err.code === "ERR_BUFFER_TOO_LARGE" || (err instanceof RangeError && /Cannot create a Buffer larger/.test(err.message));
}

function decompressError(e: unknown, encoding: string, maxBytes: number): RpcError {
  if (isTooLarge(e)) return new RpcError(Code.ResourceExhausted, `decompressed message exceeds the limit of ${maxBytes} bytes`, { cause: e });
  return new RpcError(Code.Internal, `cannot decompress message (${encoding}): ${(e as Error).message}`, { cause: e });
}

/** The first encoding of ours that the peer lists in grpc-accept-encoding, preferring `wanted`. */
export function pickEncoding(wanted: string, acceptHeader: string | undefined): string {
  if (wanted === "identity" || !acceptHeader) return "identity";
  const accepted = acceptHeader.split(",").map((s) => s.trim());
  return accepted.includes(wanted) ? wanted : "identity";
}

interface Waiter {
  readonly task: () => Promise<Buffer>;
  readonly resolve: (b: Buffer) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * @internal A server's bound on messages inflating in the thread pool: `maxConcurrent` at a time,
 * each holding at most the message limit of output; up to `maxQueued` more wait their turn, in
 * order, each for at most `maxWaitMs` (one timer for the whole queue). A message that finds the
 * queue full, or waits too long, fails with RESOURCE_EXHAUSTED.
 */
export class InflateGate {
  private running = 0;
  private readonly queue: ExpiryQueue<Waiter>;
  private readonly done = (): void => this.next();

  constructor(private readonly o: { readonly maxConcurrent: number; readonly maxQueued: number; readonly maxWaitMs: number }) {
    this.queue = new ExpiryQueue(o.maxWaitMs, (w) => {
      w.reject(new RpcError(Code.ResourceExhausted, `no turn to decompress the message within ${o.maxWaitMs} ms; the server is busy decompressing others`));
    }, true);
  }

  /** Messages inflating now, and waiting. */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.size };
  }

  run(task: () => Promise<Buffer>): Promise<Buffer> {
    if (this.running < this.o.maxConcurrent) return this.start(task);
    if (this.queue.size >= this.o.maxQueued) {
      return Promise.reject(new RpcError(Code.ResourceExhausted, `the server is busy decompressing other messages (${this.queue.size} waiting); try again later`));
    }
    return new Promise((resolve, reject) => this.queue.add({ task, resolve, reject }));
  }

  private start(task: () => Promise<Buffer>): Promise<Buffer> {
    this.running++;
    const p = task();
    p.then(this.done, this.done);
    return p;
  }

  private next(): void {
    this.running--;
    const w = this.queue.shift();
    if (w !== undefined) this.start(w.task).then(w.resolve, w.reject);
  }
}
