import type { MethodDescriptor } from "../../rpc/index.js";

/**
 * The messages of generation.proto / generation.thrift as handlers see them (field names as in
 * the IDL). 64-bit fields arrive as whatever the codec produces (number, bigint, string or a
 * Long); unset optional fields are absent or null.
 */
export interface ChatMessageMsg {
  role: string;
  content: string;
}

/** An int64 field as a decoder may give it (number, bigint, string or Long). */
export type Int64Like = number | bigint | string | { toString(): string };

/** The request of `Generation/Generate` and `Generation/Complete`: a prompt or chat messages and the sampling options. */
export interface GenerateRequestMsg {
  model?: string;
  prompt?: string;
  messages?: ChatMessageMsg[];
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  seed?: Int64Like | null;
  stop?: string[];
}

/** Token counts of one generation: prompt, completion and total. */
export interface UsageMsg {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One message of `Generation/Generate` (server streaming): new text and token ids; the last one carries the finish reason and usage. */
export interface GenerateChunkMsg {
  text: string;
  token_ids: number[];
  finish_reason: string;
  usage?: UsageMsg | null;
  index: number;
}

/** The response of `Generation/Complete`: the whole generated text with its token ids, finish reason and usage. */
export interface CompleteResponseMsg {
  model: string;
  text: string;
  token_ids: number[];
  finish_reason: string;
  usage: UsageMsg;
}

/** The request of `Generation/ListModels` (empty). */
export type ListModelsRequestMsg = Record<string, never>;

/** One model in `ListModelsResponseMsg`: id, owner and creation time. */
export interface ModelInfoMsg {
  id: string;
  owned_by: string;
  created: Int64Like;
  context_length: number;
  description: string;
}

/** The response of `Generation/ListModels`: every model the service serves. */
export interface ListModelsResponseMsg {
  models: ModelInfoMsg[];
}

/** The methods of `weir.generation.v1.Generation`. */
export type GenerationMethods = {
  Generate: MethodDescriptor<GenerateRequestMsg, GenerateChunkMsg, "server">;
  Complete: MethodDescriptor<GenerateRequestMsg, CompleteResponseMsg, "unary">;
  ListModels: MethodDescriptor<ListModelsRequestMsg, ListModelsResponseMsg, "unary">;
};
