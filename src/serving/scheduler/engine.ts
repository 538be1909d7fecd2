import type { Engine, EngineRequest, EngineStep, GenerateOptions, ModelInfo } from "../engines/engine.js";
import { createRng } from "../engines/builtin/rng.js";
import { resolveEngineRequest } from "../engines/request.js";
import { EngineStats } from "../engines/stats.js";
import type { SteppedModel } from "../engines/stepped.js";
import { resolveSchedulerOptions, type SchedulerOptions } from "./options.js";
import { REAL_CLOCK, Scheduler, type SchedulerClock } from "./scheduler.js";
import { Sequence } from "./sequence.js";
import type { SchedulerStats } from "./stats.js";

/** An engine whose generations share model steps; its scheduler's figures are in `scheduler`. */
export interface ScheduledEngine extends Engine {
  readonly scheduler: SchedulerStats;
}

/**
 * An {@link Engine} over a batched model: every generation is a sequence of one continuous-batching
 * scheduler (see {@link SchedulerOptions}). Requests are checked before they queue; the caller's
 * signal takes the sequence out before the next step; the same seed gives the same text whether
 * the sequence runs alone or among others (each has its own random stream).
 *
 * @example
 * const engine = createScheduledEngine(await createBuiltinSteppedModel(), { maxNumSeqs: 64 });
 * for await (const step of engine.generate({ prompt: "The river", seed: 1 })) process.stdout.write(step.text);
 */
export function createScheduledEngine<S>(model: SteppedModel<S>, options: SchedulerOptions & { stats?: EngineStats; clock?: SchedulerClock } = {}): ScheduledEngine {
  const stats = options.stats ?? new EngineStats();
  const clock = options.clock ?? REAL_CLOCK;
  const scheduler = new Scheduler(model, resolveSchedulerOptions(options), clock, stats);
  return {
    stats,
    scheduler: scheduler.stats,
    info: (): ModelInfo => model.info(),
    tokenize: (text) => model.tokenize(text),
    detokenize: (tokens) => model.detokenize(tokens),
    countTokens: (text) => model.countTokens(text),
    generate(request: EngineRequest, o: GenerateOptions = {}): AsyncIterable<EngineStep> {
      const req = resolveEngineRequest(request, model.limits);
      return run(model, scheduler, stats, clock, req, o.signal);
    },
  };
}

async function* run<S>(model: SteppedModel<S>, scheduler: Scheduler<S>, stats: EngineStats, clock: SchedulerClock, req: ReturnType<typeof resolveEngineRequest>, signal: AbortSignal | undefined): AsyncGenerator<EngineStep> {
  const prompt = await model.prepare(req, signal).catch((e: unknown) => {
    if (signal?.aborted) return undefined;
    throw e;
  });
  if (prompt === undefined) return yield { tokenId: -1, text: "", finishReason: "cancelled", usage: { promptTokens: 0, completionTokens: 0 } };
  const sampling = { temperature: req.temperature, topP: req.topP, rng: createRng(req.seed) };
  const capped = prompt.maxTokens !== undefined && prompt.maxTokens < req.maxTokens ? { ...req, maxTokens: prompt.maxTokens } : req;
  const seq = new Sequence<S>(scheduler, capped, prompt.tokens, prompt.stops, model.decoder(), sampling, clock.now());
  const onAbort = (): void => scheduler.cancel(seq);
  scheduler.submit(seq);
  stats.activeSequences++;
  stats.sequencesStarted++;
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  try {
    for (;;) {
      const r = await seq.next();
      if (r.done) return;
      yield r.value;
      if (r.value.finishReason !== undefined) return;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!seq.finished) void seq.return();
    stats.activeSequences--;
  }
}
