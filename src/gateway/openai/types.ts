import type { CallOptions, ClientTransport, ServiceDescriptor } from "../../rpc/index.js";

/**
 * The Generation service messages as the facade uses them (field names as in generation.proto
 * and generation.thrift). 64-bit fields may arrive as numbers, bigints, strings or Longs.
 */
export interface GenerateRequestJson {
  model?: string;
  prompt?: string;
  messages?: { role: string; content: string }[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number | string;
  stop?: string[];
}

/** Token counts as the OpenAI facade reads them (the shape of `UsageMsg`). */
export interface UsageLike {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What the OpenAI facade reads from a `Generate` message (the shape of `GenerateChunkMsg`). */
export interface GenerateChunkLike {
  text: string;
  finish_reason: string;
  usage?: UsageLike | null;
}

/** What the OpenAI facade reads from a `Complete` response (the shape of `CompleteResponseMsg`). */
export interface CompleteResponseLike {
  model: string;
  text: string;
  finish_reason: string;
  usage?: UsageLike | null;
}

/** What the OpenAI facade reads from a model of `ListModels` (the shape of `ModelInfoMsg`). */
export interface ModelInfoLike {
  id: string;
  owned_by: string;
  created: number | bigint | string | { toString(): string };
}

/**
 * What the facade calls: the `weir.generation.v1.Generation` service over RPC, e.g.
 * `createClient(generationDescriptor(), createGrpcTransport({ target }))`.
 */
export interface GenerationClientLike {
  Generate(request: GenerateRequestJson, options?: CallOptions): AsyncIterable<GenerateChunkLike>;
  Complete(request: GenerateRequestJson, options?: CallOptions): Promise<CompleteResponseLike>;
  ListModels(request: Record<string, never>, options?: CallOptions): Promise<{ models: ModelInfoLike[] }>;
}

/** Options of {@link openAiRoutes}. */
export interface OpenAiOptions {
  /** The Generation client. Give this, or `service` and `transport`. */
  readonly client?: GenerationClientLike;
  /** The Generation service descriptor (`generationDescriptor()` from `weir/serving`), with `transport`. */
  readonly service?: ServiceDescriptor;
  /** How to reach the model server, e.g. `createGrpcTransport({ target: "127.0.0.1:9090" })`. */
  readonly transport?: ClientTransport;
  /** Model ids served; others answer 404 `model_not_found`. Default: whatever ListModels lists. */
  readonly models?: readonly string[];
  /** Path prefix. Default `/v1`. */
  readonly prefix?: string;
  /** Accepted API keys (`Authorization: Bearer <key>`); others answer 401. Default: no check. */
  readonly apiKeys?: readonly string[];
  /** `system_fingerprint` of responses and chunks. Default null. */
  readonly systemFingerprint?: string | null;
}
