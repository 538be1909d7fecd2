import type { Engine, EngineRequest, EngineStep, GenerateOptions } from "./engine.js";

/** An engine wrapped by {@link trackGenerations}. */
export interface TrackedEngine extends Engine {
  /** One promise per generation started, settled when that generation has fully ended. */
  readonly ended: Promise<void>[];
  /** Per generation whose signal aborted: `stats.generatedTokens` at the moment of the abort. */
  readonly tokensAtAbort: number[];
}

/**
 * Wrap an engine to observe its generations: wait for one to end (its `finally` ran) and read the
 * token counter at the moment its signal aborted, so a test can prove a cancel stopped the engine
 * within one token without sleeping.
 *
 * @example
 * const engine = trackGenerations(await createBuiltinEngine({ tokensPerSecond: 100 }));
 * // ... cancel a call ...
 * await engine.ended.at(-1);
 * assert.ok(engine.stats.generatedTokens - engine.tokensAtAbort.at(-1)! <= 1);
 */
export function trackGenerations(engine: Engine): TrackedEngine {
  const ended: Promise<void>[] = [];
  const tokensAtAbort: number[] = [];
  const generate = (req: EngineRequest, opts?: GenerateOptions): AsyncIterable<EngineStep> => {
    const steps = engine.generate(req, opts);
    opts?.signal?.addEventListener("abort", () => tokensAtAbort.push(engine.stats.generatedTokens), { once: true });
    let done!: () => void;
    ended.push(new Promise<void>((r) => (done = r)));
    return (async function* () {
      try {
        yield* steps;
      } finally {
        done();
      }
    })();
  };
  return {
    ended,
    tokensAtAbort,
    generate,
    info: () => engine.info(),
    tokenize: (t) => engine.tokenize(t),
    detokenize: (t) => engine.detokenize(t),
    countTokens: (t) => engine.countTokens(t),
    get stats() { return engine.stats; },
  };
}
