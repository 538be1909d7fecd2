import { Code, RpcError, abortReason } from "../../core/index.js";
import type { ServerCallContext, ServiceImpl } from "../../rpc/index.js";
import { hasAcceptance, type Engine, type EngineRequest, type EngineStep } from "../engines/index.js";
import type {
  CompleteResponseMsg, GenerateChunkMsg, GenerateRequestMsg, GenerationMethods, Int64Like, ListModelsResponseMsg, UsageMsg,
} from "./types.js";

/** Options of {@link createGenerationService}. */
export interface GenerationServiceOptions {
  /** The models served, by `info().id`; the first is the default for requests without a model. */
  engines: readonly Engine[];
}

/**
 * The one implementation of `weir.generation.v1.Generation`, for every transport and IDL
 * (register it with the descriptor from generation.proto or generation.thrift). Engine-agnostic:
 * it maps requests to `Engine.generate` and steps to chunks, and passes `ctx.signal` down, so a
 * cancelled call (client gone, deadline) stops the engine within one token.
 *
 * Chunks: one per step that releases text; steps that release none (text held back while it may
 * be a stop sequence) carry their token ids into the next chunk. The last chunk has
 * `finish_reason` ("stop", "length" or "cancelled") and `usage`. A call cancelled by its own
 * signal fails with that signal's reason instead.
 *
 * @example
 * const engine = await createBuiltinEngine();
 * router.service(generationDescriptor(), createGenerationService({ engines: [engine] }));
 */
export function createGenerationService(options: GenerationServiceOptions): ServiceImpl<GenerationMethods> {
  const byId = new Map<string, Engine>();
  for (const e of options.engines) {
    const id = e.info().id;
    if (byId.has(id)) throw new RpcError(Code.AlreadyExists, `two engines serve the model id "${id}"`);
    byId.set(id, e);
  }
  const fallback = options.engines[0];
  if (!fallback) throw new RpcError(Code.InvalidArgument, "the generation service needs at least one engine");
  const pick = (model: string | undefined): Engine => {
    if (!model) return fallback;
    const e = byId.get(model);
    if (!e) throw new RpcError(Code.NotFound, `model "${model}" is not served here; ask ListModels for the models`);
    return e;
  };

  return {
    async *Generate(req: GenerateRequestMsg, ctx: ServerCallContext): AsyncGenerator<GenerateChunkMsg> {
      const steps = pick(req.model).generate(toEngineRequest(req), { signal: ctx.signal });
      if (hasAcceptance(steps)) await steps.accepted; // an upstream's refusal is the call's status
      ctx.sendHeaders(); // the request is valid: the call is accepted before the first token (a gateway answers 200 now)
      yield* toChunks(steps, ctx.signal);
    },

    async Complete(raw: GenerateRequestMsg, ctx: ServerCallContext): Promise<CompleteResponseMsg> {
      const req = unaryRequest(raw, ctx);
      const engine = pick(req.model);
      const steps = engine.generate(toEngineRequest(req), { signal: ctx.signal });
      let text = "";
      const tokenIds: number[] = [];
      let last: EngineStep | undefined;
      for await (const step of steps) {
        text += step.text;
        if (step.tokenId >= 0) tokenIds.push(step.tokenId);
        last = step;
      }
      if (last?.finishReason === "cancelled") throw ctx.signal.aborted ? abortReason(ctx.signal) : new RpcError(Code.Aborted, "generation was cancelled");
      return { model: engine.info().id, text, token_ids: tokenIds, finish_reason: last?.finishReason ?? "stop", usage: usageOf(last) };
    },

    ListModels(): ListModelsResponseMsg {
      return {
        models: options.engines.map((e) => {
          const i = e.info();
          return { id: i.id, owned_by: i.ownedBy, created: i.created, context_length: i.contextLength, description: i.description };
        }),
      };
    },
  };
}

/**
 * Engine steps -> GenerateChunk messages (see createGenerationService for the rules). When the
 * engine ends `cancelled` because the call's `signal` aborted, the stream fails with the call's
 * reason (CANCELLED, DEADLINE_EXCEEDED) instead of a last chunk nobody waits for.
 */
export async function* toChunks(steps: AsyncIterable<EngineStep>, signal?: AbortSignal): AsyncGenerator<GenerateChunkMsg> {
  let index = 0;
  let tokenIds: number[] = [];
  for await (const step of steps) {
    if (step.tokenId >= 0) tokenIds.push(step.tokenId);
    if (step.finishReason === "cancelled" && signal?.aborted) throw abortReason(signal);
    if (step.text === "" && step.finishReason === undefined) continue;
    const chunk: GenerateChunkMsg = { text: step.text, token_ids: tokenIds, finish_reason: step.finishReason ?? "", index: index++ };
    if (step.finishReason !== undefined) chunk.usage = usageOf(step);
    tokenIds = [];
    yield chunk;
  }
}

/**
 * The request of a unary call. Unary Thrift methods hand the handler their `_args` struct
 * (`{ req: GenerateRequest }`), streaming ones the bare struct, so the argument is unwrapped here
 * when the method came from Thrift IDL.
 */
function unaryRequest(raw: GenerateRequestMsg, ctx: ServerCallContext): GenerateRequestMsg {
  const fn = (ctx.method.options["thrift"] as { function?: { params?: readonly { name: string }[] } } | undefined)?.function;
  const param = fn?.params?.[0]?.name;
  if (param === undefined) return raw;
  return ((raw as Record<string, unknown>)[param] ?? {}) as GenerateRequestMsg;
}

/** A request message -> an engine request; absent optional fields stay absent (engine defaults). */
export function toEngineRequest(req: GenerateRequestMsg): EngineRequest {
  const messages = (req.messages ?? []).map((m) => ({ role: m.role ?? "", content: m.content ?? "" }));
  return {
    prompt: req.prompt ?? "",
    messages,
    maxTokens: present(req, "max_tokens") ? Number(req.max_tokens) : undefined,
    temperature: present(req, "temperature") ? Number(req.temperature) : undefined,
    topP: present(req, "top_p") ? Number(req.top_p) : undefined,
    seed: present(req, "seed") ? toBigInt(req.seed!) : undefined,
    stop: req.stop ?? [],
  };
}

function usageOf(step: EngineStep | undefined): UsageMsg {
  const p = step?.usage?.promptTokens ?? 0, c = step?.usage?.completionTokens ?? 0;
  return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
}

/**
 * An optional field is set when it is an own property that is not null: protobufjs keeps
 * defaults of unset fields on the prototype (a zero Long for int64), so `in` is not enough.
 */
function present(req: GenerateRequestMsg, key: keyof GenerateRequestMsg): boolean {
  return Object.prototype.hasOwnProperty.call(req, key) && req[key] !== null && req[key] !== undefined;
}

function toBigInt(v: Int64Like): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new RpcError(Code.InvalidArgument, `seed must be an integer, got ${v}`);
    return BigInt(v);
  }
  const s = String(v);
  if (!/^-?\d{1,20}$/.test(s)) throw new RpcError(Code.InvalidArgument, `seed must be an integer, got "${s.slice(0, 40)}"`);
  return BigInt(s);
}
