import type { IncomingMessage, ServerResponse } from "node:http";
import { SseWriter } from "../../http/index.js";
import type { CallOptions } from "../../rpc/index.js";
import { isBodyTooLarge, sendJson } from "../http-io.js";
import { closeQuietly, openAccepted } from "../sse-stream.js";
import type { GatewayContext } from "../types.js";
import { ChunkWriter, DONE, finishReasonOf, responseId, usageJson, type Flavor } from "./chunks.js";
import { errorDataEvent, invalidRequest, OpenAiRequestError, sendOpenAiError } from "./errors.js";
import type { ParsedRequest } from "./request.js";
import type { GenerateChunkLike, GenerationClientLike, UsageLike } from "./types.js";

/** What a completion endpoint needs. @internal */
export interface CompletionSetup {
  readonly client: GenerationClientLike;
  readonly flavor: Flavor;
  readonly parse: (body: unknown) => ParsedRequest;
  readonly fingerprint: string | null;
  /** Check the model before calling (the `models` option); throws an OpenAiRequestError. */
  readonly checkModel: (model: string) => void;
}

/**
 * POST /v1/chat/completions and /v1/completions: a Complete call (non-streaming) or a Generate
 * stream as `chat.completion.chunk` / `text_completion` events ending with `data: [DONE]`. The
 * call carries the request's signal: a client that leaves cancels the generation.
 * @internal
 */
export async function serveCompletion(setup: CompletionSetup, req: IncomingMessage, res: ServerResponse, ctx: GatewayContext): Promise<void> {
  let parsed: ParsedRequest;
  try {
    const body = await ctx.readJson().catch((e: unknown) => {
      if (isBodyTooLarge(e)) throw e; // 413
      throw new OpenAiRequestError(invalidRequest("We could not parse the JSON body of your request."));
    });
    parsed = setup.parse(body);
    setup.checkModel(parsed.model);
  } catch (e) {
    return sendOpenAiError(res, e);
  }
  const opts = callOptions(req, ctx);
  const created = Math.floor(Date.now() / 1000);
  const id = responseId(setup.flavor);
  if (!parsed.stream) return whole(setup, parsed, res, opts, id, created);
  return streamed(setup, parsed, res, opts, id, created, ctx.options.acceptTimeoutMs);
}

/** The request's call options; the OpenAI SDKs' `x-stainless-timeout` (seconds) is a deadline too. */
function callOptions(req: IncomingMessage, ctx: GatewayContext): CallOptions {
  const opts = ctx.callOptions();
  const sdk = Number(req.headers["x-stainless-timeout"]);
  if (ctx.timeoutMs === undefined && Number.isFinite(sdk) && sdk > 0) opts.timeoutMs = Math.min(Math.ceil(sdk * 1000), ctx.options.maxTimeoutMs);
  return opts;
}

async function whole(setup: CompletionSetup, p: ParsedRequest, res: ServerResponse, opts: CallOptions, id: string, created: number): Promise<void> {
  try {
    const r = await setup.client.Complete(p.generate, opts);
    sendJson(res, 200, {
      id, object: setup.flavor.object, created, model: r.model || p.model, system_fingerprint: setup.fingerprint,
      choices: [setup.flavor.wholeChoice(r.text ?? "", finishReasonOf(r.finish_reason))],
      usage: usageJson(r.usage),
    });
  } catch (e) {
    sendOpenAiError(res, e);
  }
}

async function streamed(
  setup: CompletionSetup, p: ParsedRequest, res: ServerResponse, opts: CallOptions, id: string, created: number, acceptTimeoutMs: number,
): Promise<void> {
  let it: AsyncIterator<GenerateChunkLike>, pending: Promise<IteratorResult<GenerateChunkLike>>;
  try {
    ({ it, first: pending } = await openAccepted((o) => setup.client.Generate(p.generate, o), opts, acceptTimeoutMs));
  } catch (e) {
    return sendOpenAiError(res, e); // before any byte: a proper status (400 for a request refused late, 404 for a bad model)
  }
  const writer = new SseWriter(res);
  const chunks = new ChunkWriter(setup.flavor, id, created, p.model, setup.fingerprint, p.includeUsage);
  let finished = false;
  try {
    if (setup.flavor.firstChoice !== undefined) writer.writeText(chunks.choice(setup.flavor.firstChoice));
    let last: GenerateChunkLike | undefined;
    for (;;) {
      const step = await pending;
      if (step.done === true) break;
      last = step.value;
      if (last.text) {
        if (!writer.writeText(chunks.choice(setup.flavor.textChoice(last.text)))) await writer.drained();
      }
      pending = it.next();
    }
    finished = true;
    writer.writeText(chunks.choice(setup.flavor.finalChoice(finishReasonOf(last?.finish_reason))));
    if (p.includeUsage) writer.writeText(chunks.usage(usageJson(last?.usage as UsageLike | undefined)));
    writer.writeText(DONE);
  } catch (e) {
    if (!writer.signal.aborted) writer.writeText(errorDataEvent(e));
  } finally {
    if (!finished) closeQuietly(it);
    writer.end();
  }
}
