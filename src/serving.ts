/**
 * The `weir/serving` entry: generation engines (the Engine interface, the built-in engine) and the
 * Generation service; KServe Open Inference Protocol v2 servers and clients, tensors, the model
 * repository, dynamic batching and ONNX Runtime models; continuous batching, ONNX Runtime causal language models (the shipped tiny GPT) and the OpenAI-compatible upstream engine. See docs/serving.md and docs/engine.md.
 */
export {
  createBuiltinEngine, cl100kTokenizer, EngineStats, REQUEST_LIMIT_DEFAULTS,
  type Engine, type EngineRequest, type EngineStep, type EngineUsage, type FinishReason, type ChatMessage, type ModelInfo,
  type GenerateOptions, type BuiltinEngineOptions, type Tokenizer, type RequestLimits,
  loadOnnxModel, onnxLoader, ONNX_PLATFORM, ONNX_MODEL_DEFAULTS, DEFAULT_ONNX_MAX_BATCH_SIZE, resolveOnnxModelOptions,
  type OnnxModelOptions, type ResolvedOnnxModelOptions,
  createOpenAiEngine, OPENAI_ENGINE_DEFAULTS, type OpenAiEngineOptions, hasAcceptance, type AcceptedGeneration,
  createBuiltinSteppedModel, type NgramState,
  createOnnxLmSteppedModel, shippedTinyGptDir, ONNX_LM_DEFAULTS, type OnnxLmModel, type OnnxLmOptions, type KvState,
} from "./serving/engines/index.js";
export {
  createScheduledEngine, SCHEDULER_DEFAULTS, SchedulerStats,
  type ScheduledEngine, type SchedulerOptions, type SchedulerClock, type SteppedModel, type StepRow, type SamplingParams,
  type PreparedPrompt, type TokenTextDecoder,
} from "./serving/scheduler/index.js";
export {
  createMemoryJobQueue, createRedisJobQueue, generationJobRunner, jobRoutes, JOB_QUEUE_DEFAULTS,
  type JobQueue, type JobQueueOptions, type RedisJobQueueOptions, type JobRecord, type JobResult, type JobStatus, type JobEvent, type JobRunner,
  type GenerateStreamClient,
} from "./serving/jobs/index.js";
export {
  createGenerationService, generationDescriptor, generationThriftDescriptor, generationIdlPath, GENERATION_SERVICE,
  type GenerationServiceOptions, type GenerationMethods, type GenerateRequestMsg, type GenerateChunkMsg, type CompleteResponseMsg,
  type ChatMessageMsg, type ListModelsRequestMsg, type ListModelsResponseMsg, type ModelInfoMsg, type UsageMsg, type Int64Like,
} from "./serving/generation/index.js";
export {
  tensor, outputOf, MAX_TENSOR_ELEMENTS, halfToNumber, numberToHalf, bf16ToNumber, numberToBf16,
  type Tensor, type TensorData, type Datatype, type DataOf, type Parameters, type ParameterValue,
  type InferRequest, type InferResponse, type RequestedOutput, type ModelMetadata, type ServerMetadata, type TensorMetadata,
  type RepositoryIndexEntry, TENSOR_LIMIT_DEFAULTS, resolveTensorLimits, type TensorLimits, type ResolvedTensorLimits,
  createOipServer, OIP_SERVER_DEFAULTS, resolveOipServerOptions, sendOipError, sendOipJson,
  type OipServer, type OipServerOptions, type OipRestOptions, type ResolvedOipServerOptions,
  OIP_SERVICE, oipDescriptor, oipProtoPath, type OipMethods, type InferCallOptions,
  createOipGrpcClient, createOipRestClient, OIP_GRPC_MESSAGE_BYTES,
  type OipClient, type OipGrpcClientOptions, type OipRestClientOptions, type InferOptions, type OipCallOptions,
  addSubModel, stringOpsModel, identityModel, exampleModels,
} from "./serving/oip/index.js";
export {
  defineModel, createModelRepository, openModelRepository, registerModelLoader, jsonModelLoader, jsonModel,
  REPOSITORY_DEFAULTS, MAX_JSON_MODEL_BYTES, FOLDER_DEFAULTS, MAX_FOLDER_ENTRIES,
  type Model, type ModelConfig, type TensorSpec, type InferContext, type DynamicBatchingConfig, type QueuePolicy,
  type ModelRepository, type ModelRepositoryOptions, type ModelIndexEntry, type ModelState, type ModelSource,
  type OpenModelRepositoryOptions, type ModelLoader, type ModelFile, type VersionPolicy, type JsonModelSpec, type ModelFolderOptions,
} from "./serving/repository/index.js";
export {
  batchModel, isBatched, BATCHER_DEFAULTS, MAX_PRIORITY_LEVELS, resolveBatcherOptions, systemClock, createManualClock,
  type BatchedModel, type BatcherStats, type BatcherOptions, type ResolvedBatcherOptions, type BatchClock, type ManualClock,
} from "./serving/batching/index.js";
export { tokenizerModel, type TokenizerModelOptions } from "./serving/models/index.js";
