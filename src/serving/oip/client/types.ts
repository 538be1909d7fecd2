import { Code, RpcError, clip } from "../../../core/index.js";
import type { Parameters, Tensor } from "../../tensor.js";
import type { InferRequest, InferResponse, ModelMetadata, RepositoryIndexEntry, RequestedOutput, ServerMetadata } from "../types.js";

/** Per-call options of every client method. */
export interface CallOptions {
  /** Cancels the call (CANCELLED, or the signal's RpcError reason). */
  signal?: AbortSignal;
  /** Timeout of this call in ms (over gRPC, sent as its deadline). Default: the client's `timeoutMs`. */
  timeoutMs?: number;
}

/** Options of one inference. */
export interface InferOptions extends CallOptions {
  /** The model's version. Default: the server's choice (Weir: the highest). */
  version?: string;
  /** Outputs to return, by name (or with parameters). Default: all of the model's. */
  outputs?: readonly (string | RequestedOutput)[];
  /** Request id, echoed in the response. */
  id?: string;
  parameters?: Parameters;
  /** REST: inputs and outputs as binary data after the JSON (Triton's binary tensor extension). Default: the client's `binary`. */
  binary?: boolean;
  /** gRPC: typed `contents` instead of raw contents (FP16 and BF16 stay raw). Default: the client's `typed`. */
  typed?: boolean;
}

/** A client of an OIP server, over REST or gRPC: the same methods and results on both. */
export interface OipClient {
  /** The protocol it speaks: "rest" or "grpc". */
  readonly protocol: "rest" | "grpc";
  /**
   * Run `model` on `inputs`. Outputs are typed arrays (BYTES: one Uint8Array per element); over
   * gRPC raw contents and REST binary data they are views of the response where aligned.
   */
  infer(model: string, inputs: readonly Tensor[], options?: InferOptions): Promise<InferResponse>;
  serverLive(options?: CallOptions): Promise<boolean>;
  serverReady(options?: CallOptions): Promise<boolean>;
  /** Whether the model is ready (false for a model the server does not know). */
  modelReady(model: string, options?: CallOptions & { version?: string }): Promise<boolean>;
  serverMetadata(options?: CallOptions): Promise<ServerMetadata>;
  modelMetadata(model: string, options?: CallOptions & { version?: string }): Promise<ModelMetadata>;
  /** The repository index (every model, or only the ready ones). */
  repositoryIndex(options?: CallOptions & { ready?: boolean }): Promise<RepositoryIndexEntry[]>;
  loadModel(model: string, options?: CallOptions): Promise<void>;
  unloadModel(model: string, options?: CallOptions): Promise<void>;
  /** Close the connections the client opened. */
  close(): Promise<void>;
}

/** The output named `name` of a response; NOT_FOUND naming the outputs there are. */
export function outputOf(response: InferResponse, name: string): Tensor {
  const t = response.outputs.find((o) => o.name === name);
  if (t === undefined) throw new RpcError(Code.NotFound, `the response has no output ${clip(name, 64)}; it has ${response.outputs.map((o) => o.name).join(", ")}`);
  return t;
}

/** The request of one `infer` call. */
export function inferRequest(model: string, inputs: readonly Tensor[], o: InferOptions, typed: boolean): InferRequest {
  const request: { -readonly [K in keyof InferRequest]: InferRequest[K] } = { modelName: model, inputs };
  if (o.version !== undefined) request.modelVersion = o.version;
  if (o.id !== undefined) request.id = o.id;
  if (o.parameters !== undefined) request.parameters = o.parameters;
  if (o.outputs !== undefined) request.outputs = o.outputs.map((x) => (typeof x === "string" ? { name: x } : x));
  if (typed) request.contents = "typed";
  return request;
}
