/**
 * End to end through the gateway (SSE) vs straight from the model server (a gRPC stream read by
 * Weir's client): tokens/s of one unthrottled generation, and time to the first token.
 */
import { performance } from "node:perf_hooks";
import { createClient } from "../../src/rpc/index.js";
import { generationDescriptor } from "../../src/serving/index.js";
import { createGrpcTransport } from "../../src/transport/index.js";
import { median, percentile, round } from "../lib/stats.js";
import { lastMessage, sseRequest } from "./clients.js";

export interface ThroughputConfig {
  /** Tokens per measured generation. */
  readonly tokens: number;
  /** Alternating rounds; each measures one generation per path. */
  readonly rounds: number;
  /** Sequential one-token requests per path for the time to first token. */
  readonly ttftRequests: number;
}

export interface PathFigures {
  tokens_per_s: number;
  /** Median ms from request to first token (one-token generations). */
  ttft_p50_ms: number;
  ttft_p99_ms: number;
}

const PROMPT = "The%20river";

export async function measureThroughput(modelPort: number, gatewayPort: number, cfg: ThroughputConfig): Promise<{ grpc: PathFigures; gateway: PathFigures }> {
  const transport = createGrpcTransport({ target: `127.0.0.1:${modelPort}` });
  const client = createClient(generationDescriptor(), transport);
  const viaGrpc = async (tokens: number): Promise<{ tokens: number; seconds: number; firstMs: number }> => {
    const start = performance.now();
    let n = 0, firstMs = -1;
    for await (const c of client.Generate({ prompt: "The river", max_tokens: tokens, temperature: 0 })) {
      if (firstMs < 0) firstMs = performance.now() - start;
      n += c.token_ids.length;
    }
    return { tokens: n, seconds: (performance.now() - start) / 1000, firstMs };
  };
  const viaGateway = async (tokens: number): Promise<{ tokens: number; seconds: number; firstMs: number }> => {
    const r = await sseRequest(gatewayPort, `/api/generate?prompt=${PROMPT}&max_tokens=${tokens}&temperature=0`);
    if (r.status !== 200) throw new Error(`gateway answered ${r.status}`);
    const last = lastMessage(r.tail);
    return { tokens: Number(last?.["usage"]?.["completionTokens"] ?? NaN), seconds: r.seconds, firstMs: r.firstByteMs };
  };
  try {
    await viaGrpc(cfg.tokens);
    await viaGateway(cfg.tokens);
    const rates = { grpc: [] as number[], gateway: [] as number[] };
    for (let round = 0; round < cfg.rounds; round++) {
      const order = round % 2 === 0 ? (["grpc", "gateway"] as const) : (["gateway", "grpc"] as const);
      for (const path of order) {
        const r = await (path === "grpc" ? viaGrpc : viaGateway)(cfg.tokens);
        if (r.tokens !== cfg.tokens) throw new Error(`${path}: ${r.tokens} tokens instead of ${cfg.tokens}`);
        rates[path].push(r.tokens / r.seconds);
      }
    }
    const ttft = { grpc: [] as number[], gateway: [] as number[] };
    for (let i = 0; i < cfg.ttftRequests; i++) {
      ttft.grpc.push((await viaGrpc(1)).firstMs);
      ttft.gateway.push((await viaGateway(1)).firstMs);
    }
    const figures = (path: "grpc" | "gateway"): PathFigures => {
      const sorted = Float64Array.from(ttft[path]).sort();
      return { tokens_per_s: round(median(rates[path])), ttft_p50_ms: round(percentile(sorted, 50), 3), ttft_p99_ms: round(percentile(sorted, 99), 3) };
    };
    return { grpc: figures("grpc"), gateway: figures("gateway") };
  } finally {
    await transport.close();
  }
}
