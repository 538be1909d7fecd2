/**
 * Events/s of Weir's SseWriter vs a bare node:http SSE loop writing the same bytes (see
 * sse-child.ts), read by a byte-counting raw TCP client so that the servers are what is measured.
 */
import { median, round } from "../lib/stats.js";
import { rawChunkedBytes } from "./clients.js";

export interface SseWriterConfig {
  readonly events: number;
  readonly rounds: number;
}

export async function measureSseWriter(port: number, cfg: SseWriterConfig): Promise<{ writer: { events_per_s: number }; raw: { events_per_s: number } }> {
  const sizes = { writer: 0, raw: 0 };
  const rate = async (path: "writer" | "raw"): Promise<number> => {
    const r = await rawChunkedBytes(port, `/${path}?n=${cfg.events}`);
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
    sizes[path] = r.bytes;
    return cfg.events / r.seconds;
  };
  await rate("writer");
  await rate("raw");
  const rates = { writer: [] as number[], raw: [] as number[] };
  for (let i = 0; i < cfg.rounds; i++) {
    const order = i % 2 === 0 ? (["writer", "raw"] as const) : (["raw", "writer"] as const);
    for (const path of order) rates[path].push(await rate(path));
  }
  // the same events; the bodies differ only in how node:http cut them into chunks (a few bytes)
  if (Math.abs(sizes.writer - sizes.raw) > cfg.events * 0.05) throw new Error(`bodies differ: ${sizes.writer} vs ${sizes.raw} bytes`);
  return { writer: { events_per_s: round(median(rates.writer)) }, raw: { events_per_s: round(median(rates.raw)) } };
}
