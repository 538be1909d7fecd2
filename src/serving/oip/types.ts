import type { Datatype } from "../datatype.js";
import type { Parameters, Tensor } from "../tensor.js";

/** How tensors travel over gRPC: `raw_*_contents` (the default, and the fastest) or typed `contents`. */
export type ContentsForm = "raw" | "typed";

/** An output a request asks for (Triton's `InferRequestedOutputTensor`). */
export interface RequestedOutput {
  readonly name: string;
  /** E.g. `binary_data: true` on REST, to receive this output as binary data. */
  readonly parameters?: Parameters;
}

/**
 * One inference request, whatever the protocol it came on (gRPC `ModelInferRequest`, REST
 * `$inference_request`).
 */
export interface InferRequest {
  readonly modelName: string;
  /** Empty or absent: the model's highest version. */
  readonly modelVersion?: string;
  /** Echoed, exactly, in the response. */
  readonly id?: string;
  readonly parameters?: Parameters;
  readonly inputs: readonly Tensor[];
  /** Outputs to return; absent or empty: all of the model's. */
  readonly outputs?: readonly RequestedOutput[];
  /** gRPC: how the inputs travel, and (on the server) how the client sent them. Default "raw". */
  readonly contents?: ContentsForm;
}

/** The response to an {@link InferRequest}. */
export interface InferResponse {
  readonly modelName: string;
  readonly modelVersion?: string;
  readonly id?: string;
  readonly parameters?: Parameters;
  readonly outputs: readonly Tensor[];
  /** gRPC: how the outputs travel. The server answers in the form the request came in. Default "raw". */
  readonly contents?: ContentsForm;
}

/** A tensor in metadata: -1 for a dimension of any size. */
export interface TensorMetadata {
  readonly name: string;
  readonly datatype: Datatype | string;
  readonly shape: readonly number[];
}

/** A model's metadata (`$metadata_model_response`, `ModelMetadataResponse`). */
export interface ModelMetadata {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
  /** The model's `parameters` (gRPC `properties`). */
  readonly properties?: Readonly<Record<string, string>>;
}

/** The server's metadata. */
export interface ServerMetadata {
  readonly name: string;
  readonly version: string;
  readonly extensions: readonly string[];
}

/** One model of the repository index. */
export interface RepositoryIndexEntry {
  readonly name: string;
  readonly version: string;
  readonly state: string;
  readonly reason: string;
}
