import { Code, RpcError } from "../../core/index.js";
import type { ServerCallContext, ServiceImpl } from "../../rpc/index.js";
import type { ModelMetadataMsg, OipMethods, ParameterMsg } from "./descriptor.js";
import type { InferenceCore } from "./inference.js";

/**
 * The handlers of `inference.GRPCInferenceService` over the inference core. ModelInfer gets its
 * request as tensors (the descriptor's codec decoded them, views of the message where aligned) and
 * answers in the form the request came in: raw contents for raw, typed contents for typed (raw
 * when an output is FP16 or BF16, which have no typed field). The call's signal (cancel, deadline,
 * connection lost) reaches the model.
 * @internal
 */
export function grpcHandlers(core: InferenceCore): ServiceImpl<OipMethods> {
  return {
    ServerLive: () => ({ live: core.live() }),
    ServerReady: () => ({ ready: core.ready() }),
    ModelReady: (req) => {
      try {
        return { ready: core.modelReady(req.name ?? "", req.version) };
      } catch (e) {
        if (e instanceof RpcError && e.code === Code.NotFound) return { ready: false }; // a probe of an unknown model: not ready
        throw e;
      }
    },
    ServerMetadata: () => core.serverMetadata(),
    ModelMetadata: (req): ModelMetadataMsg => core.modelMetadata(req.name ?? "", req.version),
    async ModelInfer(req, ctx: ServerCallContext) {
      // The server ends the call itself on cancel and deadline: the model's signal is made only if it reads it.
      const res = await core.infer(req, { lazySignal: () => ctx.signal, timeoutMs: ctx.timeRemaining() });
      return req.contents === "typed" ? { ...res, contents: "typed" } : res;
    },
    RepositoryIndex: (req) => ({ models: core.index(req.ready === true) }),
    async RepositoryModelLoad(req) {
      await core.load(req.model_name ?? "", plainParameters(req.parameters));
      return {};
    },
    async RepositoryModelUnload(req) {
      await core.unload(req.model_name ?? "");
      return {};
    },
  };
}

/** The keys of a parameters map that has any (protobufjs gives an empty object for none). */
function plainParameters(p: Readonly<Record<string, ParameterMsg>> | undefined): Record<string, unknown> | undefined {
  return p === undefined || Object.keys(p).length === 0 ? undefined : { ...p };
}
