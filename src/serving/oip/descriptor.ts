import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Code, RpcError } from "../../core/index.js";
import { loadProtoSync } from "../../codec/protobuf/index.js";
import type { Codec, EncodeTarget, MethodDescriptor, UnaryMethod } from "../../idl/descriptor.js";
import type { ServiceDescriptor } from "../../rpc/index.js";
import { TENSOR_LIMIT_DEFAULTS, resolveTensorLimits, type TensorLimits } from "./limits.js";
import type { InferRequest, InferResponse } from "./types.js";
import { decodeInferRequest, decodeInferResponse } from "./wire.js";
import { encodeInferRequest, encodeInferResponse, type Encoded } from "./wire-encode.js";

/** Fully qualified name of the service in inference.proto. */
export const OIP_SERVICE = "inference.GRPCInferenceService";

/** An InferParameter or ModelRepositoryParameter as protobufjs reads it (one field of the oneof set). */
export interface ParameterMsg {
  bool_param?: boolean;
  int64_param?: number | string | bigint | object;
  string_param?: string;
  double_param?: number;
  uint64_param?: number | string | bigint | object;
  bytes_param?: Uint8Array;
}

/** A tensor in `ModelMetadataResponse`; shapes decode as protobufjs Longs, encode from numbers. */
export interface TensorMetadataMsg { name: string; datatype: string; shape: readonly (number | object)[] }

export interface ModelMetadataMsg {
  name: string;
  versions: readonly string[];
  platform: string;
  inputs: readonly TensorMetadataMsg[];
  outputs: readonly TensorMetadataMsg[];
  properties?: Readonly<Record<string, string>>;
}

export interface RepositoryModelRequestMsg { repository_name?: string; model_name?: string; parameters?: Readonly<Record<string, ParameterMsg>> }

/**
 * The methods of `inference.GRPCInferenceService`. ModelInfer's messages are
 * {@link InferRequest} and {@link InferResponse} (tensors as typed arrays); the others are plain
 * objects with the .proto's field names.
 */
export type OipMethods = {
  ServerLive: UnaryMethod<Record<string, never>, { live: boolean }>;
  ServerReady: UnaryMethod<Record<string, never>, { ready: boolean }>;
  ModelReady: UnaryMethod<{ name?: string; version?: string }, { ready: boolean }>;
  ServerMetadata: UnaryMethod<Record<string, never>, { name: string; version: string; extensions: readonly string[] }>;
  ModelMetadata: UnaryMethod<{ name?: string; version?: string }, ModelMetadataMsg>;
  ModelInfer: UnaryMethod<InferRequest, InferResponse>;
  RepositoryIndex: UnaryMethod<{ repository_name?: string; ready?: boolean }, { models: readonly { name: string; version: string; state: string; reason: string }[] }>;
  RepositoryModelLoad: UnaryMethod<RepositoryModelRequestMsg, Record<string, never>>;
  RepositoryModelUnload: UnaryMethod<RepositoryModelRequestMsg, Record<string, never>>;
};

/**
 * Path of inference.proto. The compiled code runs from dist/, the .proto stays in src/ (and is
 * listed in the package's files), so both places are tried.
 */
export function oipProtoPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, "inference.proto"), path.resolve(here, "../../../../src/serving/oip/inference.proto")];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

let loaded: ServiceDescriptor<OipMethods> | undefined;
let withDefaults: ServiceDescriptor<OipMethods> | undefined;

/**
 * The `inference.GRPCInferenceService` descriptor, from inference.proto, with ModelInfer's
 * messages encoded by Weir's tensor codec: raw contents become typed-array views of the message,
 * and responses are written from the tensors' arrays straight into the transport's buffer.
 * Decoding enforces `limits` (the server's or the client's).
 *
 * @example
 * server.service(oipDescriptor(), oip.handlers);
 */
export function oipDescriptor(limits?: TensorLimits): ServiceDescriptor<OipMethods> {
  if (limits === undefined && withDefaults !== undefined) return withDefaults;
  loaded ??= loadProtoSync(oipProtoPath()).service<OipMethods>(OIP_SERVICE);
  const resolved = limits === undefined ? TENSOR_LIMIT_DEFAULTS : resolveTensorLimits(limits);
  const infer = loaded.methods.ModelInfer;
  const method: MethodDescriptor<InferRequest, InferResponse, "unary"> = Object.freeze({
    ...infer,
    input: tensorCodec(infer.input as Codec<unknown>, encodeInferRequest, (b) => decodeInferRequest(b, resolved)),
    output: tensorCodec(infer.output as Codec<unknown>, encodeInferResponse, (b) => decodeInferResponse(b, resolved)),
  });
  const d = Object.freeze({ ...loaded, methods: Object.freeze({ ...loaded.methods, ModelInfer: method }) });
  if (limits === undefined) withDefaults = d;
  return d;
}

/**
 * A codec of one ModelInfer message: bytes through Weir's tensor codec; the JSON mapping of
 * generic calls through protobufjs's (`proto`), via the bytes.
 */
function tensorCodec<T>(proto: Codec<unknown>, encode: (m: T) => Encoded, decode: (b: Uint8Array) => T): Codec<T> {
  const write = (buf: Buffer, pos: number, e: Encoded): void => {
    const end = e.write(buf, pos);
    if (end !== pos + e.size) throw new RpcError(Code.Internal, `a ModelInfer message encoded to ${end - pos} bytes, planned ${e.size}`);
  };
  const codec: Codec<T> = {
    encode(m) {
      const e = encode(m);
      const buf = Buffer.allocUnsafe(e.size);
      write(buf, 0, e);
      return buf;
    },
    encodeInto(m: T, target: EncodeTarget) {
      const e = encode(m);
      target.reserve(e.size);
      write(target.buffer, target.offset, e);
    },
    decode,
    toJson: (m, options) => proto.toJson!(proto.decode(codec.encode(m)), options),
    fromJson: (json) => decode(proto.encode(proto.fromJson!(json))),
  };
  return codec;
}
