/**
 * The message every Thrift codec benchmark encodes: an LLM chat request (~3.8 kB) in Thrift IDL
 * and the equivalent .proto, plus the value in each library's shape.
 */
export const LLM_THRIFT = `
namespace js bench
struct ChatMessage {
  1: string role,
  2: string content,
}
struct Sampling {
  1: double top_p,
  2: i32 top_k,
  3: list<string> stop,
}
struct LlmRequest {
  1: string model,
  2: list<ChatMessage> messages,
  3: map<string, string> params,
  4: i64 seed,
  5: double temperature,
  6: bool stream,
  7: Sampling sampling,
}
`;

export const LLM_PROTO = `
syntax = "proto3";
package bench;
message ChatMessage { string role = 1; string content = 2; }
message Sampling { double top_p = 1; int32 top_k = 2; repeated string stop = 3; }
message LlmRequest {
  string model = 1;
  repeated ChatMessage messages = 2;
  map<string, string> params = 3;
  int64 seed = 4;
  double temperature = 5;
  bool stream = 6;
  Sampling sampling = 7;
}
`;

const WORDS = ["the", "model", "should", "answer", "briefly", "with", "care", "about", "latency", "tokens", "and", "context"];

/** ~200 characters of ASCII text, different per index. */
function sentence(i: number): string {
  let s = `#${i}:`;
  for (let k = 0; s.length < 200; k++) s += ` ${WORDS[(i * 7 + k * 3) % WORDS.length]}`;
  return s.slice(0, 200);
}

/** The request as plain data; `params` as entries so each library gets its own map shape. */
export function llmRequestData() {
  return {
    model: "weir-chat-7b-instruct",
    messages: Array.from({ length: 16 }, (_, i) => ({ role: i === 0 ? "system" : i % 2 ? "user" : "assistant", content: sentence(i) })),
    params: Array.from({ length: 8 }, (_, i) => [`param_${i}`, `value-${i * 13}`] as [string, string]),
    seed: 1234567890123,
    temperature: 0.7,
    stream: true,
    sampling: { top_p: 0.95, top_k: 40, stop: ["</s>", "\n\nUser:"] },
  };
}
