import type { CallOptions } from "../../rpc/index.js";
import type { GenerateChunkMsg, GenerateRequestMsg } from "../generation/types.js";
import type { JobResult, JobRunner } from "./types.js";

/** The part of a Generation client a job needs: the streaming `Generate`. */
export interface GenerateStreamClient {
  Generate(request: GenerateRequestMsg, options?: CallOptions): AsyncIterable<GenerateChunkMsg>;
}

/**
 * Jobs run as ordinary `Generate` calls (through the same client, limits and model server as any
 * request), without a deadline of their own beyond `timeoutMs`.
 *
 * @example
 * const jobs = createMemoryJobQueue(generationJobRunner(createClient(generationDescriptor(), transport)));
 */
export function generationJobRunner(client: GenerateStreamClient, timeoutMs = 3_600_000): JobRunner {
  return async (request, ctx) => {
    let text = "";
    let last: GenerateChunkMsg | undefined;
    for await (const chunk of client.Generate(request, { signal: ctx.signal, timeoutMs })) {
      if (chunk.text !== "") {
        text += chunk.text;
        ctx.onText(chunk.text);
      }
      last = chunk;
    }
    const usage = last?.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    const result: JobResult = { model: request.model ?? "", text, finish_reason: last?.finish_reason || "stop", usage };
    return result;
  };
}
