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

export type Int64Like = number | bigint | string | { toString(): string };

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

export interface UsageMsg {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface GenerateChunkMsg {
  text: string;
  token_ids: number[];
  finish_reason: string;
  usage?: UsageMsg | null;
  index: number;
}

export interface CompleteResponseMsg {
  model: string;
  text: string;
  token_ids: number[];
  finish_reason: string;
  usage: UsageMsg;
}

export type ListModelsRequestMsg = Record<string, never>;

export interface ModelInfoMsg {
  id: string;
  owned_by: string;
  created: Int64Like;
  context_length: number;
  description: string;
}

export interface ListModelsResponseMsg {
  models: ModelInfoMsg[];
}

/** The methods of `weir.generation.v1.Generation`. */
export type GenerationMethods = {
  Generate: MethodDescriptor<GenerateRequestMsg, GenerateChunkMsg, "server">;
  Complete: MethodDescriptor<GenerateRequestMsg, CompleteResponseMsg, "unary">;
  ListModels: MethodDescriptor<ListModelsRequestMsg, ListModelsResponseMsg, "unary">;
};
