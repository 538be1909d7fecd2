/**
 * The transformer -> predictor pipeline of examples/transformer-predictor under closed-loop load:
 * 32 clients POST `/v1/models/{m}:predict` with 8 texts each to a transformer, which tokenizes them
 * into input_ids and attention_mask [8, 128], calls the predictor over one of three protocols, and
 * post-processes. Each (workload, protocol) pair has its own predictor and transformer processes,
 * so that each one's peak RSS is its own; the pairs are loaded one at a time, in alternating rounds.
 * - token_embedding: [8, 128] -> FP32 [8, 128, 384], 1.5 MiB per response (the hop's encoding dominates);
 * - encoder: [8, 128] -> logits [8, 3] (the model dominates).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { peakRssMiB } from "../../test/attack/harness.js";
import { startChild, type Child } from "../lib/child.js";
import { programPath, REPO_ROOT } from "../lib/paths.js";
import type { BenchContext } from "../types.js";
import type { HttpLoadSpec } from "./http-load.js";
import { alternate, runLoadChild, type LoadFigures } from "./rounds.js";

export const PROTOCOLS = ["v2", "v2-binary", "grpc-v2"] as const;
export const WORKLOADS = ["token_embedding", "encoder"] as const;

export interface PipelineFigures extends LoadFigures {
  /** Answers 200 per second: what the ratios compare (a shed request is not served). */
  ok_rps: number;
  predictor_peak_rss_mib: number;
  transformer_peak_rss_mib: number;
}

/** Eight texts of the shipped corpus, each long enough for 128 tokens. */
function texts(): string[] {
  const dir = path.join(REPO_ROOT, "src/serving/engines/builtin/corpus");
  const all = readdirSync(dir).filter((f) => f.endsWith(".txt")).sort().map((f) => readFileSync(path.join(dir, f), "utf8")).join("\n").replace(/\s+/g, " ");
  return Array.from({ length: 8 }, (_, i) => all.slice(i * 1000, i * 1000 + 900));
}

const EXAMPLE = "../examples/transformer-predictor";

interface Pair { predictor: Child; transformer: Child; url: string }

async function startPair(workload: string, protocol: string): Promise<Pair> {
  const predictor = startChild(programPath(`${EXAMPLE}/predictor.js`), ["--http-port=0", "--grpc-port=0"], { startTimeoutMs: 60_000 });
  try {
    const ports = (await predictor.nextLine(60_000)) as { http: number; grpc: number };
    const host = `127.0.0.1:${protocol === "grpc-v2" ? ports.grpc : ports.http}`;
    const transformer = startChild(programPath(`${EXAMPLE}/transformer.js`), [`--predictor-host=${host}`, `--predictor-protocol=${protocol}`, "--http-port=0", "--enable-latency-logging=false"]);
    try {
      const { http } = (await transformer.nextLine(30_000)) as { http: number };
      return { predictor, transformer, url: `http://127.0.0.1:${http}/v1/models/${workload}:predict` };
    } catch (e) {
      await transformer.stop();
      throw e;
    }
  } catch (e) {
    await predictor.stop();
    throw e;
  }
}

export async function pipelineFigures(ctx: BenchContext, s: { ms: number; warmupMs: number; rounds: number; concurrency: number }): Promise<Record<string, PipelineFigures>> {
  const body = JSON.stringify({ instances: texts() });
  const pairs = new Map<string, Pair>();
  try {
    for (const w of WORKLOADS) for (const p of PROTOCOLS) pairs.set(`${w}/${p}`, await startPair(w, p));
    const variants: Record<string, () => ReturnType<typeof runLoadChild>> = {};
    for (const [name, pair] of pairs) {
      const spec: HttpLoadSpec = { url: pair.url, body, concurrency: s.concurrency, ms: s.ms, warmupMs: s.warmupMs };
      variants[name] = () => runLoadChild("serving/http-load.js", spec);
    }
    ctx.log(`serving: transformer -> predictor, ${s.concurrency} clients, 8 texts x 128 tokens`);
    const figures = await alternate(variants, s.rounds, ctx.log);
    const out: Record<string, PipelineFigures> = {};
    for (const [name, pair] of pairs) {
      const f = figures[name]!;
      out[name] = {
        ...f,
        ok_rps: Math.round(((f.statuses?.["200"] ?? 0) * f.rps) / Math.max(1, f.calls)),
        predictor_peak_rss_mib: Math.round(peakRssMiB(pair.predictor.process.pid!)),
        transformer_peak_rss_mib: Math.round(peakRssMiB(pair.transformer.process.pid!)),
      };
    }
    return out;
  } finally {
    await Promise.all([...pairs.values()].flatMap((p) => [p.transformer.stop(), p.predictor.stop()]));
  }
}
