/**
 * generation: the generation engines under load.
 * - upstream: `weir serve --upstream` in front of another `weir serve` (unthrottled) vs the upstream
 *   called directly, one streamed chat completion of 256 tokens at a time, rounds alternating: the
 *   added latency per token (`upstream_overhead_us_per_token`).
 */
import { readSse } from "../src/http/index.js";
import { startServeProcess, type ServeProcess } from "../test/e2e/serve-process.js";
import type { BenchContext, BenchResult, Benchmark } from "./types.js";

interface StreamFigures { tokens: number; seconds: number; us_per_token: number }

/** Stream `calls` completions of `maxTokens` tokens one after another; time per token over all. */
async function streamTokens(url: string, calls: number, maxTokens: number): Promise<StreamFigures> {
  let tokens = 0;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(120_000),
      body: JSON.stringify({ model: "weir-ngram", messages: [{ role: "user", content: "The river" }], max_tokens: maxTokens, temperature: 0, stream: true }),
    });
    for await (const m of readSse(res)) {
      if (m.data === "[DONE]") break;
      const delta = (JSON.parse(m.data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content;
      if (delta) tokens++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { tokens, seconds, us_per_token: Math.round((seconds * 1e6) / Math.max(1, tokens)) };
}

async function upstreamFigures(ctx: BenchContext): Promise<Record<string, StreamFigures>> {
  const calls = ctx.smoke ? 2 : 20, maxTokens = ctx.smoke ? 16 : 256, rounds = ctx.smoke ? 1 : 3;
  let upstream: ServeProcess | undefined, proxy: ServeProcess | undefined;
  try {
    upstream = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=0"] });
    proxy = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", `--upstream=${upstream.httpUrl}/v1`] });
    await streamTokens(upstream.httpUrl, 2, maxTokens); // warm both paths
    await streamTokens(proxy.httpUrl, 2, maxTokens);
    const acc = { direct: [] as StreamFigures[], through_upstream_engine: [] as StreamFigures[] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (["direct", "through_upstream_engine"] as const) : (["through_upstream_engine", "direct"] as const);
      for (const name of order) {
        const f = await streamTokens(name === "direct" ? upstream.httpUrl : proxy.httpUrl, calls, maxTokens);
        acc[name].push(f);
        ctx.log(`  ${name}: round ${r + 1}/${rounds}: ${f.us_per_token} µs/token`);
      }
    }
    const sum = (fs: StreamFigures[]): StreamFigures => {
      const tokens = fs.reduce((n, f) => n + f.tokens, 0), seconds = fs.reduce((n, f) => n + f.seconds, 0);
      return { tokens, seconds: Math.round(seconds * 1000) / 1000, us_per_token: Math.round((seconds * 1e6) / Math.max(1, tokens)) };
    };
    return { direct: sum(acc.direct), through_upstream_engine: sum(acc.through_upstream_engine) };
  } finally {
    await Promise.all([proxy?.stop(), upstream?.stop()]);
  }
}

export async function runGenerationBench(ctx: BenchContext): Promise<BenchResult> {
  ctx.log("generation: weir serve --upstream in front of weir serve vs weir serve directly");
  const upstream = await upstreamFigures(ctx);
  return {
    name: "generation",
    results: upstream,
    ratios: { upstream_overhead_us_per_token: upstream.through_upstream_engine!.us_per_token - upstream.direct!.us_per_token },
    notes: ["upstream_overhead_us_per_token is a difference in µs (not a ratio): what the upstream engine adds to each token streamed through it"],
    config: { stream: "chat completion, 256 tokens, greedy, one at a time", upstream: "weir serve --tokens-per-second=0" },
  };
}

export const generationBench: Benchmark = {
  description: "Generation engines: the OpenAI-compatible upstream engine's added latency per token",
  run: runGenerationBench,
};
