// One streamed generation from an OpenAI-compatible upstream: the request starts at once (so that
// `accepted` can settle before the caller answers its own client), and the stream is read only as
// fast as the caller pulls steps, so a slow reader slows the upstream through TCP.
import { Code, RpcError } from "../../../core/index.js";
import { readSse } from "../../../http/index.js";
import { NO_TOKEN, type EngineStep, type FinishReason } from "../engine.js";
import type { EngineStats } from "../stats.js";
import { upstreamNetworkError, upstreamStatusError } from "./errors.js";
import type { ResolvedOpenAiEngineOptions } from "./options.js";
import { readChunk } from "./wire.js";

/** A generation whose upstream accepted (2xx headers) or refused it: see {@link AcceptedGeneration}. */
export interface UpstreamRequest {
  readonly url: string;
  readonly body: string;
  readonly promptTokens: number;
  readonly signal: AbortSignal | undefined;
}

/** What the generation reports back to its engine when it ends, whatever the way. */
export interface GenerationOwner {
  readonly options: ResolvedOpenAiEngineOptions;
  readonly stats: EngineStats;
  ended(): void;
}

/**
 * The steps of one upstream generation. `accepted` settles once the upstream answered its headers:
 * it rejects with the upstream's refusal (429 RESOURCE_EXHAUSTED, 5xx UNAVAILABLE…) and resolves
 * otherwise, also when the caller's signal aborted (the steps then end `cancelled`).
 */
export class UpstreamGeneration implements AsyncIterable<EngineStep> {
  readonly accepted: Promise<void>;
  private readonly abort = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly response: Promise<Response | undefined>;
  private timedOut: string | undefined;
  private finished = false;
  private iterating = false;

  constructor(private readonly owner: GenerationOwner, private readonly req: UpstreamRequest) {
    const o = owner.options;
    owner.stats.activeSequences++;
    owner.stats.sequencesStarted++;
    req.signal?.addEventListener("abort", this.onCallerAbort);
    this.timer = setTimeout(this.onTimeout, o.responseTimeoutMs, `sent no answer within ${o.responseTimeoutMs} ms`);
    const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
    if (o.apiKey !== undefined) headers["authorization"] = `Bearer ${o.apiKey}`;
    this.response = req.signal?.aborted ? Promise.resolve(undefined) : this.open(headers);
    this.accepted = this.response.then(() => undefined);
    this.accepted.catch(() => {}); // read again by the steps; a caller that never awaits it must not crash the process
  }

  [Symbol.asyncIterator](): AsyncIterator<EngineStep> {
    this.iterating = true;
    return this.steps();
  }

  private async open(headers: Record<string, string>): Promise<Response | undefined> {
    let res: Response;
    try {
      res = await fetch(this.req.url, { method: "POST", headers, body: this.req.body, signal: this.abort.signal });
    } catch (e) {
      if (this.req.signal?.aborted) return undefined;
      this.end();
      throw upstreamNetworkError(e, this.req.url, this.timedOut);
    }
    if (res.ok && /^text\/event-stream\b/i.test(res.headers.get("content-type") ?? "")) return res;
    const text = await readBounded(res, this.owner.options.maxEventBytes).catch(() => "");
    this.end();
    if (!res.ok) throw upstreamStatusError(res.status, res.headers.get("retry-after"), text, this.req.url);
    throw new RpcError(Code.Internal, `the upstream ${this.req.url} answered ${res.headers.get("content-type") ?? "no content type"}, not an event stream`);
  }

  private async *steps(): AsyncGenerator<EngineStep> {
    let completion = 0;
    let usage: EngineStep["usage"];
    let finish: FinishReason | undefined;
    try {
      const res = await this.response;
      if (res === undefined) return yield this.cancelled(completion);
      clearTimeout(this.timer);
      this.timedOut = undefined;
      const idle = this.owner.options.idleTimeoutMs;
      const idleTimer = setTimeout(this.onTimeout, idle, `sent nothing for ${idle} ms`);
      try {
        for await (const m of readSse(res.body!, { maxEventBytes: this.owner.options.maxEventBytes })) {
          idleTimer.refresh();
          if (m.data === "[DONE]") break;
          const chunk = readChunk(m.data);
          if (chunk.usage !== undefined) usage = chunk.usage;
          if (chunk.finishReason !== undefined) finish = chunk.finishReason;
          if (chunk.text === "") continue;
          completion++;
          this.owner.stats.generatedTokens++;
          yield { tokenId: NO_TOKEN, text: chunk.text };
        }
      } finally {
        clearTimeout(idleTimer);
      }
      if (this.req.signal?.aborted) return yield this.cancelled(completion);
      if (finish === undefined) throw new RpcError(Code.Unavailable, `the upstream ${this.req.url} ended its stream before the generation finished`);
      yield { tokenId: NO_TOKEN, text: "", finishReason: finish, usage: usage ?? { promptTokens: this.req.promptTokens, completionTokens: completion } };
    } catch (e) {
      if (this.req.signal?.aborted) return yield this.cancelled(completion);
      throw upstreamNetworkError(e, this.req.url, this.timedOut);
    } finally {
      this.end();
    }
  }

  private cancelled(completion: number): EngineStep {
    return { tokenId: NO_TOKEN, text: "", finishReason: "cancelled", usage: { promptTokens: this.req.promptTokens, completionTokens: completion } };
  }

  private readonly onCallerAbort = (): void => {
    this.abort.abort(this.req.signal?.reason);
    if (!this.iterating) this.end(); // nobody will read the steps: give the slot back now
  };

  private readonly onTimeout = (why: string): void => {
    this.timedOut = why;
    this.abort.abort(new RpcError(Code.DeadlineExceeded, why));
  };

  /** Once: stop the timers, close the upstream request if still open, give the slot back. */
  private end(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.req.signal?.removeEventListener("abort", this.onCallerAbort);
    this.abort.abort(); // closes the response body if the stream was left early
    this.owner.stats.activeSequences--;
    this.owner.ended();
  }
}

/** A response body as text, at most `max` bytes (the rest is dropped). */
export async function readBounded(res: Response, max: number): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
      size += r.value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(parts).subarray(0, max).toString("utf8");
}
