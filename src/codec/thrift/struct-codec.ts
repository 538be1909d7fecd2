import { Code, RpcError } from "../../core/index.js";
import type { Codec } from "../../idl/descriptor.js";
import type { ThriftStruct, ThriftType } from "../../idl/thrift/index.js";
import { trailing } from "./errors.js";
import { binaryGenerator } from "./gen-binary.js";
import { compactGenerator } from "./gen-compact.js";
import { GEN_DEFAULTS, Unit, type GenOptions, type I64Mode, type StructFns } from "./gen-unit.js";
import { thriftFromJson, thriftToJson } from "./json.js";
import type { MaskNode } from "./mask-node.js";
import type { ThriftProtocol } from "./wire.js";
import { ThriftReader, ThriftWriter } from "./writer.js";

export type { ThriftProtocol };

export interface ThriftCodecOptions {
  /** How i64 values are decoded: `bigint` (default), `number` (an error if not a safe integer) or `string`. Encoders accept all three. */
  i64?: I64Mode;
  /** Deepest nesting of structs and skipped containers accepted on decode and encode. Default 64. */
  maxDepth?: number;
}

/**
 * A compiled codec for one struct in one protocol. Encoders and decoders are generated
 * straight-line JavaScript per struct (one `new Function` per group of structs), built once.
 *
 * `toJson`/`fromJson` give the JSON mapping of `json.ts` (Kitex's generic JSON).
 * Values: plain objects keyed by field name; a field left out (or `null`/`undefined`) is not
 * written; decoded objects have only the fields that were on the wire, plus IDL defaults.
 * Every error is an RpcError: INVALID_ARGUMENT for bad input or values, RESOURCE_EXHAUSTED past
 * 1 GiB of output.
 */
export interface ThriftStructCodec<T = Record<string, unknown>> extends Codec<T> {
  readonly struct: ThriftStruct;
  readonly protocol: ThriftProtocol;
  /** Encode to a fresh Buffer (a Uint8Array the caller owns). */
  encode(value: T): Uint8Array;
  /** Decode a whole struct; bytes after its STOP are an error. */
  decode(bytes: Uint8Array): T;
  /** Append the struct to a writer (for message headers + body in one buffer). */
  write(w: ThriftWriter, value: T): void;
  /** Read a struct at `r.p`, leaving `r.p` after it. */
  read(r: ThriftReader): T;
}

/** Resolve options to what the generated code depends on. @internal */
export function resolveCodecOptions(o: ThriftCodecOptions = {}): GenOptions {
  const i64 = o.i64 ?? GEN_DEFAULTS.i64;
  const maxDepth = o.maxDepth ?? GEN_DEFAULTS.maxDepth;
  if (i64 !== "bigint" && i64 !== "number" && i64 !== "string") throw new RpcError(Code.InvalidArgument, `i64 must be "bigint", "number" or "string", got ${String(i64)}`);
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 10_000) throw new RpcError(Code.InvalidArgument, `maxDepth must be an integer in 1..10000, got ${maxDepth}`);
  return { i64, maxDepth };
}

const cache = new WeakMap<ThriftStruct, Map<string, StructFns>>();

/**
 * Compile (or fetch from the cache) the functions of several root structs at once, so they
 * share one unit. With a mask, only the first root is compiled under it. @internal
 */
export function compileStructs(roots: readonly ThriftStruct[], protocol: ThriftProtocol, opts: GenOptions, mask: MaskNode | null = null): StructFns[] {
  const key = `${protocol}:${opts.i64}:${opts.maxDepth}`;
  if (mask === null) {
    const hits = roots.map((s) => cache.get(s)?.get(key));
    if (hits.every((h) => h !== undefined)) return hits as StructFns[];
  }
  const unit = new Unit(opts, protocol === "binary" ? binaryGenerator : compactGenerator);
  const ids = roots.map((s, i) => unit.fn(s, i === 0 ? mask : null));
  const fns = unit.build();
  if (mask === null) {
    roots.forEach((s, i) => {
      let m = cache.get(s);
      if (!m) cache.set(s, (m = new Map()));
      if (!m.has(key)) m.set(key, fns[ids[i]!]!);
    });
  }
  return ids.map((i) => fns[i]!);
}

/** Wrap compiled functions into the codec object. @internal */
export function wrapStruct<T>(struct: ThriftStruct, protocol: ThriftProtocol, fns: StructFns, opts: GenOptions = GEN_DEFAULTS): ThriftStructCodec<T> {
  const { enc, dec } = fns;
  const type: ThriftType = { kind: "struct", struct, annotations: {} };
  const w = new ThriftWriter();
  const r = new ThriftReader(new Uint8Array(0));
  let busy = false;
  return {
    struct,
    protocol,
    encode(value: T): Uint8Array {
      if (busy) { const own = new ThriftWriter(); enc(own, value, 1); return own.finish(); }
      busy = true;
      try {
        w.p = 0;
        enc(w, value, 1);
        return w.finish();
      } finally {
        busy = false;
      }
    },
    decode(bytes: Uint8Array): T {
      r.reset(bytes);
      const v = dec(r, 1) as T;
      if (r.p !== r.e) throw trailing(struct.name, r.e - r.p);
      r.b = EMPTY;
      return v;
    },
    write: (out: ThriftWriter, value: T) => enc(out, value, 1),
    read: (input: ThriftReader) => dec(input, 1) as T,
    toJson: (value: T) => thriftToJson(value, type),
    fromJson: (json: unknown) => thriftFromJson(json, type, opts.i64, struct.name, opts.maxDepth) as T,
  };
}

const EMPTY = Buffer.alloc(0);

/**
 * A codec for one struct, union or exception.
 *
 * @example
 * const idl = loadThriftIdl("echo.thrift");
 * const codec = createStructCodec(idl.struct("Request"), "compact");
 * const bytes = codec.encode({ msg: "hi" });
 */
export function createStructCodec<T = Record<string, unknown>>(struct: ThriftStruct, protocol: ThriftProtocol = "binary", options: ThriftCodecOptions = {}): ThriftStructCodec<T> {
  const [fns] = compileStructs([struct], protocol, resolveCodecOptions(options));
  return wrapStruct<T>(struct, protocol, fns!, resolveCodecOptions(options));
}
