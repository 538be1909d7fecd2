import type { HandlerRoute } from "../../gateway/index.js";
import type { ServiceDescriptor, ServiceImpl } from "../../rpc/index.js";
import { oipDescriptor, type OipMethods } from "./descriptor.js";
import { grpcHandlers } from "./grpc-service.js";
import { InferenceCore, type InferCallOptions } from "./inference.js";
import { resolveOipServerOptions, type OipServerOptions, type ResolvedOipServerOptions } from "./options.js";
import { restRoutes } from "./rest.js";
import { ByteBudget } from "./rest-io.js";
import type { InferRequest, InferResponse } from "./types.js";

/** The Open Inference Protocol over a model repository: a gRPC service and REST routes sharing one core. */
export interface OipServer {
  /** `inference.GRPCInferenceService`, decoding with the server's tensor limits. */
  readonly service: ServiceDescriptor<OipMethods>;
  /** Its handlers: register both on a gRPC server (`server.service(oip.service, oip.handlers)`). */
  readonly handlers: ServiceImpl<OipMethods>;
  /** The REST endpoints as gateway handler routes (`createGateway({ routes: oip.routes })`); the last catches other `/v2/…` paths. */
  readonly routes: readonly HandlerRoute[];
  readonly options: ResolvedOipServerOptions;
  /** Bytes the REST inference requests hold now (bodies, responses being written); at most about `rest.maxBufferedBytes`. */
  restBufferedBytes(): number;
  /** One inference in process, with the checks and bounds of both protocols. */
  infer(request: InferRequest, call?: InferCallOptions): Promise<InferResponse>;
}

/**
 * Serve models with the Open Inference Protocol (KServe v2), over gRPC on Weir's gRPC server and
 * over REST on its HTTP gateway: health, metadata, inference with every datatype (raw or typed
 * gRPC contents, JSON or binary REST tensors) and Triton's repository extension. See docs/serving.md.
 *
 * @example
 * const repository = createModelRepository({ models: [addSub] });
 * const oip = createOipServer({ repository });
 * const grpc = createServer({ limits: { maxReceiveMessageBytes: 64 << 20, maxSendMessageBytes: 64 << 20 } }).service(oip.service, oip.handlers);
 * await grpc.listen({ port: 8001 });
 * const gateway = createGateway({ routes: oip.routes });
 * createHttpServer(gateway.handle).listen(8000);
 */
export function createOipServer(options: OipServerOptions): OipServer {
  const resolved = resolveOipServerOptions(options);
  const core = new InferenceCore(resolved);
  const budget = new ByteBudget(resolved.rest.maxBufferedBytes);
  return Object.freeze({
    service: oipDescriptor(resolved.limits),
    handlers: grpcHandlers(core),
    routes: Object.freeze(restRoutes(core, budget)),
    restBufferedBytes: () => budget.held,
    options: resolved,
    infer: (request: InferRequest, call?: InferCallOptions) => core.infer(request, call),
  });
}
