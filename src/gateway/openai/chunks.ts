import { randomBytes } from "node:crypto";
import type { UsageLike } from "./types.js";

/** What differs between chat and text completions. */
export interface Flavor {
  readonly idPrefix: "chatcmpl-" | "cmpl-";
  /** `object` of streamed chunks. */
  readonly chunkObject: "chat.completion.chunk" | "text_completion";
  /** `object` of a whole response. */
  readonly object: "chat.completion" | "text_completion";
  /** The choice of the first chunk, if any (chat: the assistant role). */
  readonly firstChoice: string | undefined;
  /** The choice carrying a piece of text. */
  textChoice(text: string): string;
  /** The choice carrying the finish reason. */
  finalChoice(finishReason: string): string;
  /** The choice of a whole response. */
  wholeChoice(text: string, finishReason: string): Record<string, unknown>;
}

export const CHAT: Flavor = {
  idPrefix: "chatcmpl-",
  chunkObject: "chat.completion.chunk",
  object: "chat.completion",
  firstChoice: `{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}`,
  textChoice: (text) => `{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}`,
  finalChoice: (reason) => `{"index":0,"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(reason)}}`,
  wholeChoice: (text, reason) => ({ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: reason }),
};

export const COMPLETION: Flavor = {
  idPrefix: "cmpl-",
  chunkObject: "text_completion",
  object: "text_completion",
  firstChoice: undefined,
  textChoice: (text) => `{"text":${JSON.stringify(text)},"index":0,"logprobs":null,"finish_reason":null}`,
  finalChoice: (reason) => `{"text":"","index":0,"logprobs":null,"finish_reason":${JSON.stringify(reason)}}`,
  wholeChoice: (text, reason) => ({ text, index: 0, logprobs: null, finish_reason: reason }),
};

/** A new response id: the prefix and 24 random characters. */
export function responseId(flavor: Flavor): string {
  return flavor.idPrefix + randomBytes(18).toString("base64url");
}

/** OpenAI's finish reasons for the engine's: `stop` and `length` pass, anything else is `stop`. */
export function finishReasonOf(reason: string | undefined): string {
  return reason === "length" ? "length" : "stop";
}

/** The usage object. */
export function usageJson(u: UsageLike | null | undefined): UsageLike {
  const p = Number(u?.prompt_tokens ?? 0), c = Number(u?.completion_tokens ?? 0);
  return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
}

/**
 * Builds the SSE events of one streamed response. Every chunk shares the id, `created`, model and
 * fingerprint, so they are formatted once; with `include_usage` every chunk carries `"usage": null`
 * and the last one `choices: []` with the usage.
 */
export class ChunkWriter {
  private readonly head: string;
  private readonly tail: string;

  constructor(readonly flavor: Flavor, id: string, created: number, model: string, fingerprint: string | null, includeUsage: boolean) {
    this.head = `data: {"id":${JSON.stringify(id)},"object":"${flavor.chunkObject}","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":${JSON.stringify(fingerprint)},"choices":[`;
    this.tail = includeUsage ? `],"usage":null}\n\n` : `]}\n\n`;
  }

  /** An event with one choice (JSON text). */
  choice(choiceJson: string): string {
    return this.head + choiceJson + this.tail;
  }

  /** The usage event: no choices. */
  usage(u: UsageLike): string {
    return `${this.head}],"usage":${JSON.stringify(u)}}\n\n`;
  }
}

export const DONE = "data: [DONE]\n\n";
