import {
  addSubModel, createBuiltinEngine, createBuiltinSteppedModel, createOnnxLmSteppedModel, shippedTinyGptDir, createOpenAiEngine, createScheduledEngine, type SchedulerStats, createGenerationService, createModelRepository, createOipServer, EngineStats, generationDescriptor,
  generationThriftDescriptor, openModelRepository, stringOpsModel, tokenizerModel, type Engine, type Model, type ModelRepository, type OipServer,
} from "../../serving/index.js";
import { listenAllProtocols, type MultiProtocolServer } from "../../transport/detection/index.js";
import { GRPC_SERVER_DEFAULTS } from "../../transport/grpc/index.js";
import { createServer } from "../../transport/index.js";
import type { ResolvedServeOptions } from "./options.js";

/** The model side of `weir serve`: the engine, the OIP models, and the server of every protocol on the RPC port. */
export interface ModelServer {
  readonly engine: Engine;
  readonly stats: EngineStats;
  /** The scheduler's figures when the built-in model runs (not with `--upstream`). */
  readonly scheduler: SchedulerStats | undefined;
  readonly rpc: MultiProtocolServer;
  /** The Open Inference Protocol over `repository`: its gRPC service is on `rpc`, its REST routes go on the gateway. */
  readonly oip: OipServer;
  readonly repository: ModelRepository;
}

/**
 * The models `weir serve` serves with the Open Inference Protocol without any optional
 * dependency: `add_sub` (the protocol's example), `string_ops` (BYTES) and `tokenizer` (texts to
 * `input_ids` and `attention_mask`, the pre-processing of a transformer).
 */
export function builtinModels(): Model[] {
  return [addSubModel(), stringOpsModel(), tokenizerModel()];
}

/**
 * The built-in model under the continuous-batching scheduler (one step per `--tokens-per-second`
 * for every running sequence), or the OpenAI-compatible upstream of `--upstream`.
 */
async function startEngine(o: ResolvedServeOptions, stats: EngineStats): Promise<{ engine: Engine; scheduler?: SchedulerStats }> {
  const limits = { maxTokensLimit: o.maxTokensLimit, maxPromptChars: o.maxPromptChars };
  if (o.model !== "") {
    const model = await createOnnxLmSteppedModel(o.model === "tiny-gpt" ? shippedTinyGptDir() : o.model);
    // no pacing: the model's own step time is the pace
    const engine = createScheduledEngine(model, { stats, maxNumSeqs: o.maxNumSeqs, maxBatchedTokens: o.maxNumBatchedTokens, maxWaiting: o.maxWaitingSeqs });
    return { engine, scheduler: engine.scheduler };
  }
  if (o.upstream === "" && !o.continuousBatching) return { engine: await createBuiltinEngine({ stats, tokensPerSecond: o.tokensPerSecond, limits }) };
  if (o.upstream === "") {
    const model = await createBuiltinSteppedModel({ limits });
    const engine = createScheduledEngine(model, { stats, stepsPerSecond: o.tokensPerSecond, maxNumSeqs: o.maxNumSeqs, maxBatchedTokens: o.maxNumBatchedTokens, maxWaiting: o.maxWaitingSeqs });
    return { engine, scheduler: engine.scheduler };
  }
  const apiKey = process.env["WEIR_UPSTREAM_API_KEY"];
  return { engine: await createOpenAiEngine({ baseUrl: o.upstream, stats, limits, ...(o.upstreamModel === "" ? {} : { model: o.upstreamModel }), ...(apiKey ? { apiKey } : {}) }) };
}

/**
 * Start the Generation service on the built-in engine (or `--upstream`) and the OIP service on the built-in models
 * (and those of `--model-repository`), on every protocol on `rpcPort`.
 */
export async function startModelServer(o: ResolvedServeOptions, cannotListen: (e: unknown) => Error): Promise<ModelServer> {
  const stats = new EngineStats();
  const { engine, scheduler } = await startEngine(o, stats);
  const impl = createGenerationService({ engines: [engine] });
  const repository = o.modelRepository === ""
    ? createModelRepository({ models: builtinModels() })
    : await openModelRepository({ path: o.modelRepository, models: builtinModels() });
  const oip = createOipServer({ repository, limits: { maxTensorBytes: o.maxMessageBytes } });
  // The gRPC server's own cap sits under the port's, with room for the connections it refuses (64 at most, for a second).
  const grpcConnections = Math.max(1, Math.min(GRPC_SERVER_DEFAULTS.maxConnections, o.maxRpcConnections - 64));
  const server = createServer({
    shutdownGraceMs: o.graceMs,
    maxConnections: grpcConnections,
    limits: { maxReceiveMessageBytes: o.maxMessageBytes, maxSendMessageBytes: o.maxMessageBytes },
    // room for a few dozen large responses in flight on one connection (a transformer's)
    maxConnectionSendBufferBytes: Math.max(GRPC_SERVER_DEFAULTS.maxConnectionSendBufferBytes, 8 * o.maxMessageBytes),
  })
    .service(generationDescriptor(), impl)
    .service(generationThriftDescriptor(), impl)
    .service(oip.service, oip.handlers);
  try {
    const rpc = await listenAllProtocols(server, {
      host: o.host, port: o.rpcPort, maxConnections: o.maxRpcConnections, log: () => {}, thrift: { fallbackService: "Generation" },
    });
    return { engine, stats, scheduler, rpc, oip, repository };
  } catch (e) {
    await repository.close();
    throw cannotListen(e);
  }
}
