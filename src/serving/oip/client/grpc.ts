import { Code, RpcError } from "../../../core/index.js";
import { createClient, type ClientCallContext, type ClientTransport, type Middleware } from "../../../rpc/index.js";
import { createGrpcTransport, type GrpcTransportOptions } from "../../../transport/index.js";
import { oipDescriptor, type ModelMetadataMsg, type TensorMetadataMsg } from "../descriptor.js";
import type { TensorLimits } from "../limits.js";
import type { ModelMetadata } from "../types.js";
import { inferRequest, type CallOptions, type OipClient } from "./types.js";

/** Options of {@link createOipGrpcClient}. */
export interface OipGrpcClientOptions {
  /** Server address (`host:port`, `http://…`, `https://…`); with `grpc`, the transport the client opens. */
  target?: string;
  /**
   * Options of the transport the client opens for `target`. Default: message limits of 64 MiB each
   * way (tensors are large; gRPC's usual 4 MiB is what users of inference servers hit first).
   */
  grpc?: Omit<GrpcTransportOptions, "target">;
  /** A transport of your own instead of `target` (the client does not close it). */
  transport?: ClientTransport;
  /** Client middleware around every call, outermost first: retry, timeouts, limits, tracing. Default none. */
  middleware?: readonly Middleware<ClientCallContext>[];
  /** Send typed `contents` instead of raw contents. Default false (raw: the fastest). */
  typed?: boolean;
  /** Timeout of calls that set none, in ms. Default 60 000. */
  timeoutMs?: number;
  /** Bounds on decoding responses (tensor bytes, BYTES elements…). Default: as the server's. */
  limits?: TensorLimits;
}

/** Message limits of a transport the client opens itself. */
export const OIP_GRPC_MESSAGE_BYTES = 64 << 20;

/**
 * An OIP client over gRPC (`inference.GRPCInferenceService`), on Weir's client stack: middleware,
 * deadlines (sent as `grpc-timeout`), retries of idempotent methods (ModelInfer, health and
 * metadata are marked so in inference.proto). Raw contents by default: input arrays go out
 * without a copy of their own, outputs come back as views of the response when aligned.
 *
 * @example
 * const client = createOipGrpcClient({ target: "127.0.0.1:8001" });
 * const res = await client.infer("add_sub", [tensor("INPUT0", "FP32", [4], a), tensor("INPUT1", "FP32", [4], b)]);
 * const sum = outputOf(res, "OUTPUT0").data as Float32Array;
 */
export function createOipGrpcClient(options: OipGrpcClientOptions): OipClient {
  const own = options.transport === undefined;
  if (own && options.target === undefined) throw new RpcError(Code.InvalidArgument, "createOipGrpcClient needs a target or a transport");
  const transport = options.transport ?? createGrpcTransport({
    ...options.grpc,
    target: options.target!,
    limits: { maxReceiveMessageBytes: OIP_GRPC_MESSAGE_BYTES, maxSendMessageBytes: OIP_GRPC_MESSAGE_BYTES, ...options.grpc?.limits },
  });
  const client = createClient(oipDescriptor(options.limits), transport, { middleware: options.middleware ?? [], defaults: { timeoutMs: options.timeoutMs ?? 60_000 } });
  const typed = options.typed ?? false;
  const call = (o: CallOptions | undefined) => ({ signal: o?.signal, timeoutMs: o?.timeoutMs });
  return {
    protocol: "grpc",
    infer: (model, inputs, o = {}) => client.ModelInfer(inferRequest(model, inputs, o, o.typed ?? typed), call(o)),
    serverLive: async (o) => (await client.ServerLive({}, call(o))).live,
    serverReady: async (o) => (await client.ServerReady({}, call(o))).ready,
    modelReady: async (model, o) => (await client.ModelReady({ name: model, version: o?.version ?? "" }, call(o))).ready,
    serverMetadata: async (o) => {
      const m = await client.ServerMetadata({}, call(o));
      return { name: m.name, version: m.version, extensions: [...m.extensions] };
    },
    modelMetadata: async (model, o) => modelMetadataOf(await client.ModelMetadata({ name: model, version: o?.version ?? "" }, call(o))),
    repositoryIndex: async (o) => (await client.RepositoryIndex({ ready: o?.ready ?? false }, call(o))).models.map((m) => ({ name: m.name, version: m.version, state: m.state, reason: m.reason })),
    loadModel: async (model, o) => void (await client.RepositoryModelLoad({ model_name: model }, call(o))),
    unloadModel: async (model, o) => void (await client.RepositoryModelUnload({ model_name: model }, call(o))),
    close: () => (own ? transport.close() : Promise.resolve()),
  };
}

function modelMetadataOf(m: ModelMetadataMsg): ModelMetadata {
  const tensors = (ts: readonly TensorMetadataMsg[]) => ts.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape.map((d) => Number(String(d))) }));
  const out: ModelMetadata = { name: m.name, versions: [...m.versions], platform: m.platform, inputs: tensors(m.inputs), outputs: tensors(m.outputs) };
  return m.properties !== undefined && Object.keys(m.properties).length > 0 ? { ...out, properties: { ...m.properties } } : out;
}
