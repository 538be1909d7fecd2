// The generation service: text generation from a model, streamed token by token.
// The same service, with the same field ids, is in generation.proto. Thrift has no unsigned
// types: uint32 fields of the .proto are i32 here.

namespace go weir.generation.v1
namespace py weir.generation.v1
namespace js weir.generation.v1

// One chat turn. Roles as OpenAI spells them: system, developer, user, assistant, tool.
struct ChatMessage {
  1: string role,
  2: string content,
}

struct GenerateRequest {
  // Model id from ListModels; empty = the server's default model.
  1: string model,
  // A plain prompt; ignored when messages is non-empty.
  2: string prompt,
  3: list<ChatMessage> messages,
  // Most tokens to generate; unset = the engine's default.
  4: optional i32 max_tokens,
  // 0..2; 0 = greedy; unset = 1.
  5: optional double temperature,
  // Nucleus sampling, (0, 1]; unset = 1.
  6: optional double top_p,
  // Same seed and request -> same text; unset = random.
  7: optional i64 seed,
  // Up to 4 texts that end the generation; the stop text is not returned.
  8: list<string> stop,
}

struct Usage {
  1: i32 prompt_tokens,
  2: i32 completion_tokens,
  3: i32 total_tokens,
}

// One piece of a generation. The last chunk of a stream has finish_reason and usage set.
struct GenerateChunk {
  1: string text,
  2: list<i32> token_ids,
  // "" while generating; then "stop", "length" or "cancelled".
  3: string finish_reason,
  4: optional Usage usage,
  // Position of this chunk in the stream, from 0.
  5: i32 index,
}

struct CompleteResponse {
  1: string model,
  2: string text,
  3: list<i32> token_ids,
  4: string finish_reason,
  5: Usage usage,
}

struct ListModelsRequest {}

struct ModelInfo {
  1: string id,
  2: string owned_by,
  // Unix seconds.
  3: i64 created,
  4: i32 context_length,
  5: string description,
}

struct ListModelsResponse {
  1: list<ModelInfo> models,
}

service Generation {
  // Stream the generation: one chunk per released piece of text, the last one with finish_reason and usage.
  GenerateChunk Generate(1: GenerateRequest req) (streaming.mode="server"),
  // The whole generation in one answer.
  CompleteResponse Complete(1: GenerateRequest req),
  ListModelsResponse ListModels(1: ListModelsRequest req),
}
