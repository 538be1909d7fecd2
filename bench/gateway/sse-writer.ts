/** Events/s of Weir's SseWriter vs a bare node:http SSE loop writing the same bytes (see sse-child.ts). */
import { median, round } from "../lib/stats.js";
import { sseRequest } from "./clients.js";

export interface SseWriterConfig {
  readonly events: number;
  readonly rounds: number;
}

export async function measureSseWriter(port: number, cfg: SseWriterConfig): Promise<{ writer: { events_per_s: number }; raw: { events_per_s: number } }> {
  const rate = async (path: "writer" | "raw"): Promise<number> => {
    const r = await sseRequest(port, `/${path}?n=${cfg.events}`);
    if (r.status !== 200 || r.events !== cfg.events) throw new Error(`${path}: ${r.events} of ${cfg.events} events (HTTP ${r.status})`);
    return cfg.events / r.seconds;
  };
  await rate("writer");
  await rate("raw");
  const rates = { writer: [] as number[], raw: [] as number[] };
  for (let i = 0; i < cfg.rounds; i++) {
    const order = i % 2 === 0 ? (["writer", "raw"] as const) : (["raw", "writer"] as const);
    for (const path of order) rates[path].push(await rate(path));
  }
  return { writer: { events_per_s: round(median(rates.writer)) }, raw: { events_per_s: round(median(rates.raw)) } };
}
